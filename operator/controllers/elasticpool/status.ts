import type { DesiredCondition } from '../shared/conditions.ts';
import type { EffectiveDesired } from './desired.ts';

/** The pool's machines counted as status reports them. */
export interface Counts {
    /** Running: neither parked nor being deleted. */
    replicas: number;
    readyReplicas: number;
    parkedReplicas: number;
}

/** ReplicasClamped: True while the wanted replicas lie outside the bounds in force. */
export function clampedCondition(desired: EffectiveDesired): DesiredCondition {
    if (!desired.clamped) {
        const message = `${String(desired.desired)} within [${String(desired.floor)}, ${String(desired.ceiling)}]`;
        return { type: 'ReplicasClamped', status: 'False', reason: 'Success', message };
    }
    const message = `${String(desired.base)} replicas asked, ${desired.reason}`;
    return { type: 'ReplicasClamped', status: 'True', reason: 'ReplicasClamped', message };
}

/** CapacityLimited: True while arbitration grants fewer replicas than desired. */
export function capacityCondition(granted: number | undefined, desired: number): DesiredCondition {
    if (granted === undefined) {
        const message = 'capacity arbitration has not granted replicas yet';
        return { type: 'CapacityLimited', status: 'Unknown', reason: 'WaitingForGrant', message };
    }
    if (granted >= desired) {
        const message = `granted ${String(granted)} of ${String(desired)}`;
        return { type: 'CapacityLimited', status: 'False', reason: 'Success', message };
    }
    const message = `granted ${String(granted)} of ${String(desired)}`;
    return { type: 'CapacityLimited', status: 'True', reason: 'CapacityLimited', message };
}

/**
 * The Ready verdict: ready replicas reach min(granted, desired) and the floor. A pool granted less
 * than it wants is still Ready (DESIGN.md), so the message says what it wants too.
 */
export function readiness(
    counts: Counts,
    target: number,
    floor: number,
    desired = target,
): { ready: boolean; reason: 'Success' | 'BelowFloor' | 'Progressing'; message: string } {
    const ready = counts.readyReplicas;
    const limited = desired > target ? ` (granted ${String(target)} of ${String(desired)} desired)` : '';
    const of = `${String(ready)} of ${String(target)} machines ready${limited}`;
    if (ready < floor && target < floor) {
        return { ready: false, reason: 'BelowFloor', message: `${of}, below the floor of ${String(floor)}` };
    }
    if (ready < Math.max(target, floor)) return { ready: false, reason: 'Progressing', message: of };
    return { ready: true, reason: 'Success', message: of };
}
