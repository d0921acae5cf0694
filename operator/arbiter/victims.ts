import type { PoolActions, PoolUsage, ReleaseAction } from './types.ts';

/**
 * Rule 6: what a pool does to go from its observed machines to its grant. A pool that may grow unshelves
 * parked machines before it creates; a pool that must shrink releases running machines by its release
 * action, except those past its desired count, which are deleted (a scale-down, not a preemption); parked
 * machines past what the pool may come back to (`wanted − granted`) are deleted first.
 */
export function planActions(
    granted: number,
    wanted: number,
    usage: PoolUsage,
    release: ReleaseAction,
): PoolActions {
    const { running, parked } = usage;
    const unshelve = Math.min(parked, Math.max(0, granted - running));
    const create = Math.max(0, granted - running - unshelve);
    const releasing = Math.max(0, running - granted);

    const mayPark = Math.max(0, wanted - granted);
    const deleteParked = Math.max(0, parked - unshelve - mayPark);
    const parkRoom = Math.max(0, mayPark - (parked - unshelve - deleteParked));
    const shelve = release === 'Shelve' ? Math.min(releasing, parkRoom) : 0;
    return { shelve, deleteRunning: releasing - shelve, deleteParked, unshelve, create };
}

export type ReplicaState = 'Parked' | 'NotReady' | 'Ready';

/** One machine of a pool, as the pool controller sees it. */
export interface ReplicaDescriptor {
    readonly name: string;
    readonly state: ReplicaState;
    readonly createdAtMs: number;
}

/** Which machines carry out a pool's actions. */
export interface VictimChoice {
    readonly deleteParked: readonly string[];
    /** Running machines to release (shelve first, then delete), in rule 6's order. */
    readonly shelve: readonly string[];
    readonly deleteRunning: readonly string[];
    readonly unshelve: readonly string[];
}

const RELEASE_ORDER: Record<ReplicaState, number> = { Parked: 0, NotReady: 1, Ready: 2 };

function newestFirst(a: ReplicaDescriptor, b: ReplicaDescriptor): number {
    return b.createdAtMs - a.createdAtMs || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);
}

/**
 * Rule 6's victims: parked machines go first, then machines not yet ready, then the newest. Parked
 * machines come back oldest first. Deterministic for the same replicas.
 */
export function chooseVictims(replicas: readonly ReplicaDescriptor[], actions: PoolActions): VictimChoice {
    const parked = replicas.filter((r) => r.state === 'Parked').sort(newestFirst);
    const running = replicas
        .filter((r) => r.state !== 'Parked')
        .sort((a, b) => RELEASE_ORDER[a.state] - RELEASE_ORDER[b.state] || newestFirst(a, b));

    const names = (list: readonly ReplicaDescriptor[]): string[] => list.map((r) => r.name);
    const releasing = names(running.slice(0, actions.deleteRunning + actions.shelve));
    return {
        deleteParked: names(parked.slice(0, actions.deleteParked)),
        // Machines past the desired count are deleted; the rest of the released ones are parked.
        deleteRunning: releasing.slice(0, actions.deleteRunning),
        shelve: releasing.slice(actions.deleteRunning),
        unshelve: names(parked.slice(actions.deleteParked).reverse().slice(0, actions.unshelve)),
    };
}
