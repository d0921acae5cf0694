import type { Condition, Reason } from '../shared/conditions.ts';
import type { Outcome } from '../shared/outcome.ts';
import type { KindContext } from '../shared/reconciler.ts';
import type { VirtualMachineStatus } from './types.ts';

/**
 * Waits on someone else (the platform team, quota or capacity, a role the cloud's admins grant, a
 * pool replacing a machine that found no host):
 * Progressing False, saying why.
 */
const STALLED: ReadonlySet<Reason> = new Set<Reason>([
    'NamespaceNotAllowed',
    'QuotaExceeded',
    'PolicyForbidden',
    'NoCapacity',
]);

/** Failures a user must act on (or wait out), announced by a Warning Event. */
const WARNED: ReadonlySet<Reason> = new Set<Reason>([
    'NamespaceNotAllowed',
    'UnknownReference',
    'QuotaExceeded',
    'PolicyForbidden',
    'NotInTenant',
    'AmbiguousName',
    'NoCapacity',
]);

/**
 * What a reconcile's outcome adds to the report: Progressing False for a wait on someone else, and
 * one Warning Event when the machine enters a failure — not on each retry of it, which the Ready
 * condition written by the previous reconcile (`before`) tells apart.
 */
export function reported(
    ctx: KindContext<VirtualMachineStatus>,
    before: Condition | undefined,
    outcome: Outcome,
) {
    const failing = outcome.state !== 'ready' && WARNED.has(outcome.reason);
    if (failing && (before?.status !== 'False' || before.reason !== outcome.reason)) {
        const action = ctx.status.serverID === undefined ? 'Create' : 'Update';
        ctx.event({ type: 'Warning', reason: outcome.reason, action, note: outcome.message });
    }
    if (outcome.state !== 'waiting' || !STALLED.has(outcome.reason)) return outcome;

    const { reason, message } = outcome;
    const stalled = { type: 'Progressing', status: 'False', reason, message } as const;
    return { ...outcome, extra: [...(outcome.extra ?? []), stalled] };
}
