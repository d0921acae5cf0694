import type { PoolActions } from '../../arbiter/types.ts';
import { chooseVictims, planActions, type ReplicaDescriptor } from '../../arbiter/victims.ts';
import { describe, type Child } from './children.ts';
import { TEMPLATE_HASH_ANNOTATION, type ElasticPool, type IntOrPercent } from './types.ts';

/** What the pool does in one reconcile, before the growth gate. */
export interface PoolPlan {
    actions: PoolActions;
    /** Children to delete: parked ones past what may come back, released ones, outdated ones. */
    remove: string[];
    shelve: string[];
    /** Parked children to bring back, oldest first; the gate may admit fewer. */
    unshelve: string[];
    /** New children to create; the gate may admit fewer (after the unshelves). */
    create: number;
    /** Outdated children (a rolling update) among `remove`. */
    replaced: number;
    /** Running children still made from an older template. */
    outdated: number;
}

/** Resolves an int-or-percentage against `total`, rounding a percentage up or down. */
export function resolveIntOrPercent(
    value: IntOrPercent | undefined,
    total: number,
    roundUp: boolean,
): number {
    if (value === undefined) return 0;
    if (typeof value === 'number') return Math.max(0, Math.floor(value));
    const match = /^([0-9]+)%$/.exec(value);
    if (match === null) return Number.parseInt(value, 10) || 0;
    const exact = (Number(match[1]) * total) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** A rolling update's surge and unavailability for `target` running machines (never both 0). */
export function rollingLimits(pool: ElasticPool, target: number): { surge: number; unavailable: number } {
    const limits = pool.spec.updateStrategy?.rollingUpdate;
    const surge = resolveIntOrPercent(limits?.maxSurge ?? 1, target, true);
    const unavailable = resolveIntOrPercent(limits?.maxUnavailable ?? 0, target, false);
    return surge === 0 && unavailable === 0 ? { surge: 1, unavailable: 0 } : { surge, unavailable };
}

/**
 * Rule 6 and the update strategy for one pool: `target` = min(granted, desired) running machines.
 * Without a rolling update in progress, planActions and chooseVictims decide over every child. During
 * one (RollingUpdate, some running child outdated), outdated children are left out of that count and
 * replaced within the surge and unavailability limits: new ones are created up to target + surge
 * running, and outdated ones deleted while ready machines stay at or above target − unavailable
 * (outdated ones not ready go at once).
 */
export function planPool(
    pool: ElasticPool,
    children: readonly Child[],
    hash: string,
    target: number,
    desired: number,
): PoolPlan {
    const described = children.map((child) => ({ child, replica: describe(child) }));
    const rolling = (pool.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    const isOutdated = (c: Child) => c.metadata?.annotations?.[TEMPLATE_HASH_ANNOTATION] !== hash;
    const outdated = described.filter((d) => d.replica.state !== 'Parked' && isOutdated(d.child));
    const replacing = rolling && outdated.length > 0;

    const old = new Set(outdated);
    const counted = replacing ? described.filter((d) => !old.has(d)) : described;
    const replicas: ReplicaDescriptor[] = counted.map((d) => d.replica);
    const usage = {
        running: replicas.filter((r) => r.state !== 'Parked').length,
        parked: replicas.filter((r) => r.state === 'Parked').length,
        notReady: replicas.filter((r) => r.state === 'NotReady').length,
    };
    const release = pool.spec.releaseAction ?? 'Delete';
    const actions = planActions(target, desired, usage, release);
    const victims = chooseVictims(replicas, actions);

    const plan: PoolPlan = {
        actions,
        remove: [...victims.deleteParked, ...victims.deleteRunning],
        shelve: [...victims.shelve],
        unshelve: [...victims.unshelve],
        create: actions.create,
        replaced: 0,
        outdated: outdated.length,
    };
    if (replacing)
        replace(
            plan,
            pool,
            target,
            replicas,
            outdated.map((d) => d.replica),
        );
    return plan;
}

/** Limits growth to the surge and picks the outdated children to delete now. */
function replace(
    plan: PoolPlan,
    pool: ElasticPool,
    target: number,
    current: readonly ReplicaDescriptor[],
    outdated: readonly ReplicaDescriptor[],
): void {
    const { surge, unavailable } = rollingLimits(pool, target);
    const running = current.filter((r) => r.state !== 'Parked').length + outdated.length;
    const room = Math.max(0, target + surge - running);
    plan.unshelve = plan.unshelve.slice(0, room);
    plan.create = Math.min(plan.create, room - plan.unshelve.length);

    // Ready machines that stay: the current ones not being released, and the outdated ones.
    const releasing = new Set([...plan.remove, ...plan.shelve]);
    const readyCurrent = current.filter((r) => r.state === 'Ready' && !releasing.has(r.name)).length;
    const readyOld = outdated.filter((r) => r.state === 'Ready');
    const notReadyOld = outdated.filter((r) => r.state !== 'Ready');
    const minReady = Math.max(0, target - unavailable);
    const spare = Math.max(0, readyCurrent + readyOld.length - minReady);
    const oldestFirst = [...readyOld].sort((a, b) => a.createdAtMs - b.createdAtMs);
    const gone = [...notReadyOld, ...oldestFirst.slice(0, spare)].map((r) => r.name);
    plan.remove.push(...gone);
    plan.replaced = gone.length;
}
