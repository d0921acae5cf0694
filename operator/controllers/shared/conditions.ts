/**
 * Condition reasons, a closed set: each tells the reader what to do next. Kinds pick from it; a
 * reason outside it does not compile.
 */
export const REASONS = [
    'Success',
    'Progressing',
    'Paused',
    'Deleting',
    'TransientError',
    'InvalidConfiguration',
    'UnrecoverableError',
    'WaitingForDependency',
    'NamespaceNotAllowed',
    'NameConflict',
    'ProjectLost',
    'DeletionBlocked',
    'QuotaExceeded',
    'PolicyForbidden',
    'NoCapacity',
    'NotInTenant',
    'AmbiguousName',
    'UnknownReference',
    'ServerError',
    'ServerLost',
    'AdoptionPending',
    'LockedByOther',
    'Resizing',
    'PortQuotaShortfall',
    'OrphansFound',
    // ElasticPool: a grant to wait for, the growth gate's refusals, and its own conditions.
    'WaitingForGrant',
    'QuotaNotApplied',
    'CapacityNotFreed',
    'NoHost',
    'BelowFloor',
    'ReplicasClamped',
    'CapacityLimited',
] as const;
export type Reason = (typeof REASONS)[number];

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** A status condition as the CRDs define it. */
export interface Condition {
    type: string;
    status: ConditionStatus;
    observedGeneration?: number;
    lastTransitionTime: string;
    reason: string;
    message: string;
}

/** What a reconcile wants one condition to say. */
export interface DesiredCondition {
    type: string;
    status: ConditionStatus;
    reason: Reason;
    message: string;
}

/**
 * Returns `conditions` with `desired` set at `generation`. `lastTransitionTime` moves only when the
 * status changes (a new reason or message alone keeps it), so readers can tell how long a state has
 * held. The input is not modified; other condition types are kept in order.
 */
export function setCondition(
    conditions: readonly Condition[] | undefined,
    desired: DesiredCondition,
    generation: number | undefined,
    nowIso: string,
): Condition[] {
    const list = [...(conditions ?? [])];
    const index = list.findIndex((c) => c.type === desired.type);
    const previous = index < 0 ? undefined : list[index];
    // The time of the last status change survives a new reason or message.
    const since = previous?.status === desired.status ? previous.lastTransitionTime : undefined;

    const next: Condition = {
        ...desired,
        ...(generation === undefined ? {} : { observedGeneration: generation }),
        lastTransitionTime: since ?? nowIso,
    };
    if (index < 0) list.push(next);
    else list[index] = next;
    return list;
}

/** The condition of `type`, if present. */
export function findCondition(
    conditions: readonly Condition[] | undefined,
    type: string,
): Condition | undefined {
    return conditions?.find((c) => c.type === type);
}

/** Whether the object's `Ready` condition is True for its current generation. */
export function isReady(obj: {
    metadata?: { generation?: number };
    status?: { conditions?: Condition[] };
}): boolean {
    const ready = findCondition(obj.status?.conditions, 'Ready');
    return ready?.status === 'True';
}
