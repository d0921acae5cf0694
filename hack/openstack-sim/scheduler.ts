// Hosts and their allocations: what Nova's scheduler decides and Placement records.
import type { Allocation, Host, Resources, World } from './state.ts';

const RESOURCE_CLASSES = ['VCPU', 'MEMORY_MB', 'DISK_GB'] as const;

export function fits(host: Host, want: Resources): boolean {
    return RESOURCE_CLASSES.every((rc) => host.used[rc] + want[rc] <= host.capacity[rc]);
}

/**
 * The host the filter scheduler would pick: one that fits, with the most free RAM (Nova's default
 * RAM weigher spreads). `memberOf` keeps only hosts in one of the given aggregates.
 */
export function pickHost(world: World, want: Resources, memberOf: string[] = []): Host | undefined {
    let best: Host | undefined;
    let bestFree = -1;
    for (const host of world.hosts) {
        if (!fits(host, want) || !inAggregates(host, memberOf)) {
            continue;
        }
        const free = host.capacity.MEMORY_MB - host.used.MEMORY_MB;
        if (free > bestFree) {
            best = host;
            bestFree = free;
        }
    }
    return best;
}

export function inAggregates(host: Host, memberOf: string[]): boolean {
    return memberOf.length === 0 || memberOf.some((agg) => host.aggregates.includes(agg));
}

/** Adds an allocation of `consumerId` on `host`, counting it in the host's and the project's usage. */
export function allocate(
    world: World,
    consumerId: string,
    host: Host,
    resources: Resources,
    owner: { projectId: string; userId: string },
): void {
    const allocation: Allocation = {
        consumerId,
        hostUuid: host.uuid,
        resources: { ...resources },
        projectId: owner.projectId,
        userId: owner.userId,
        generation: 1,
    };
    const list = world.allocations.get(consumerId) ?? [];
    list.push(allocation);
    world.allocations.set(consumerId, list);

    addTo(host.used, resources, 1);
    addTo(world.placementUsageOf(owner.projectId), resources, 1);
    host.generation++;
}

/** Removes every allocation of a consumer (an instance, or a migration during a resize). */
export function freeAllocations(world: World, consumerId: string): void {
    for (const allocation of world.allocations.get(consumerId) ?? []) {
        const host = world.hostsByUuid.get(allocation.hostUuid);
        if (host !== undefined) {
            addTo(host.used, allocation.resources, -1);
            host.generation++;
        }
        addTo(world.placementUsageOf(allocation.projectId), allocation.resources, -1);
    }
    world.allocations.delete(consumerId);
}

/** Moves a consumer's allocations to another consumer ID, as Nova does with a migration record. */
export function moveAllocations(world: World, from: string, to: string): void {
    const list = world.allocations.get(from);
    if (list === undefined) {
        return;
    }
    world.allocations.delete(from);
    for (const allocation of list) {
        allocation.consumerId = to;
    }
    world.allocations.set(to, list);
}

function addTo(target: Resources, delta: Resources, sign: number): void {
    for (const rc of RESOURCE_CLASSES) {
        target[rc] += sign * delta[rc];
    }
}

export { RESOURCE_CLASSES };
