// The server state machine: what Nova's conductor and computes do after the API answered.
import { allocate, freeAllocations, moveAllocations, pickHost } from '../scheduler.ts';
import { flavorResources, type Flavor, type Server, type World } from '../state.ts';

/** Nova's power_state integers (nova/compute/power_state.py). */
const NOSTATE = 0;
const RUNNING = 1;
const SHUTDOWN = 4;

export const NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.';

function set(
    world: World,
    server: Server,
    vmState: string,
    taskState: string | null,
    powerState?: number,
): void {
    server.vmState = vmState;
    server.taskState = taskState;
    if (powerState !== undefined) {
        server.powerState = powerState;
    }
    world.touch(server);
}

/** Runs `step` after `ms` only if the server is still in the task it was in (a delete cancels the rest). */
function after(world: World, server: Server, ms: number, step: () => void): void {
    const task = server.taskState;
    world.later(ms, () => {
        if (!server.deleted && server.taskState === task) {
            step();
        }
    });
}

export function countUsage(world: World, server: Server, flavor: Flavor, sign: number): void {
    const usage = world.usageOf(server.projectId);
    usage.cores += sign * flavor.vcpus;
    usage.ram += sign * flavor.ram;
}

function fail(world: World, server: Server, message: string): void {
    server.fault = { code: 500, message, created: Date.now() };
    set(world, server, 'error', null, NOSTATE);
}

/** BUILD: scheduling, then spawning on the chosen host, then ACTIVE. */
export function build(world: World, server: Server): void {
    const half = world.config.latenciesMs.boot / 2;
    after(world, server, half, () => {
        if (server.failBuild !== null) {
            const message =
                server.failBuild || `Build of instance ${server.id} aborted: Simulated build failure.`;
            fail(world, server, message);
            return;
        }
        if (!placeOnHost(world, server)) {
            fail(world, server, NO_VALID_HOST);
            return;
        }
        set(world, server, 'building', 'spawning');
        after(world, server, half, () => {
            server.launchedAt = Date.now();
            set(world, server, 'active', null, RUNNING);
        });
    });
}

/** Activates a server at once on a host, for servers seeded as already running. */
export function placeNow(world: World, server: Server): boolean {
    if (!placeOnHost(world, server)) {
        return false;
    }
    server.launchedAt = server.createdAt;
    server.vmState = 'active';
    server.taskState = null;
    server.powerState = RUNNING;
    return true;
}

function placeOnHost(world: World, server: Server): boolean {
    const want = flavorResources(server.flavor);
    const host = pickHost(world, want);
    if (host === undefined) {
        return false;
    }
    allocate(world, server.id, host, want, server);
    server.host = host.name;
    return true;
}

export function stop(world: World, server: Server): void {
    set(world, server, server.vmState, 'powering-off');
    after(world, server, world.config.latenciesMs.power, () => {
        set(world, server, 'stopped', null, SHUTDOWN);
    });
}

export function start(world: World, server: Server): void {
    set(world, server, server.vmState, 'powering-on');
    after(world, server, world.config.latenciesMs.power, () => {
        set(world, server, 'active', null, RUNNING);
    });
}

/** Shelve: power off and snapshot, then (with shelved_offload_time = 0) offload at once. */
export function shelve(world: World, server: Server): void {
    const third = world.config.latenciesMs.shelveSnapshot / 3;
    set(world, server, server.vmState, 'shelving');
    after(world, server, third, () => {
        set(world, server, server.vmState, 'shelving_image_pending_upload', SHUTDOWN);
        after(world, server, third, () => {
            set(world, server, server.vmState, 'shelving_image_uploading');
            after(world, server, third, () => {
                // With shelved_offload_time = 0 Nova saves SHELVED already in task shelving_offloading.
                const offloadNow = world.config.offloadAfterShelve;
                set(world, server, 'shelved', offloadNow ? 'shelving_offloading' : null);
                if (offloadNow) {
                    finishOffload(world, server);
                }
            });
        });
    });
}

/** Offload: the host lets go of the server and Placement of its allocation. */
export function offload(world: World, server: Server): void {
    set(world, server, server.vmState, 'shelving_offloading');
    finishOffload(world, server);
}

function finishOffload(world: World, server: Server): void {
    after(world, server, world.config.latenciesMs.offload, () => {
        freeAllocations(world, server.id);
        server.host = null;
        set(world, server, 'shelved_offloaded', null, SHUTDOWN);
    });
}

/**
 * Unshelve. A shelved server still on its host is just powered on again (the conductor asks for
 * start_instance); an offloaded one is scheduled and spawned. With no host free, Nova's conductor
 * clears the task and leaves the server offloaded, recording no fault the API would show.
 */
export function unshelve(world: World, server: Server): void {
    const half = world.config.latenciesMs.boot / 2;
    set(world, server, server.vmState, 'unshelving');
    after(world, server, half, () => {
        const onHost = server.host !== null;
        if (!onHost && !placeOnHost(world, server)) {
            set(world, server, 'shelved_offloaded', null);
            return;
        }
        set(world, server, server.vmState, onHost ? 'powering-on' : 'spawning');
        after(world, server, half, () => {
            set(world, server, 'active', null, RUNNING);
        });
    });
}

/**
 * Resize: the migration holds the old flavor on the source, the instance the new flavor on the
 * destination (so Placement counts both until confirmed), then VERIFY_RESIZE. The task states are
 * Nova's: resize_prep, resize_migrating, resize_migrated (the disk moved; from here the instance's
 * host is the destination), resize_finish.
 */
export function resize(world: World, server: Server, flavor: Flavor, failure?: string): void {
    const step = world.config.latenciesMs.resize / 4;
    server.wasStopped = server.vmState === 'stopped';
    set(world, server, server.vmState, 'resize_prep');
    after(world, server, step, () => {
        const want = flavorResources(flavor);
        const dest = pickHost(world, want);
        if (dest === undefined) {
            // The scheduler found nothing: the server stays as it was, as in Nova.
            set(world, server, server.vmState, null);
            return;
        }
        moveAllocations(world, server.id, migrationId(server));
        allocate(world, server.id, dest, want, server);
        set(world, server, server.vmState, 'resize_migrating');
        after(world, server, step, () => {
            server.host = dest.name;
            set(world, server, server.vmState, 'resize_migrated');
            after(world, server, step, () => {
                finishResize(world, server, flavor, step, failure);
            });
        });
    });
}

/**
 * With `failure`, the destination fails to finish: as Nova's compute does, the instance keeps its
 * old flavor and goes to ERROR with the fault (the migration's allocation stays until an admin
 * cleans up); no revert is possible from there, since Nova reverts only a RESIZED instance.
 */
function finishResize(world: World, server: Server, flavor: Flavor, step: number, failure?: string): void {
    set(world, server, server.vmState, 'resize_finish');
    after(world, server, step, () => {
        if (failure !== undefined) {
            fail(world, server, failure);
            return;
        }
        countUsage(world, server, server.flavor, -1);
        countUsage(world, server, flavor, 1);
        server.oldFlavor = server.flavor;
        server.flavor = flavor;
        set(world, server, 'resized', null, server.wasStopped ? SHUTDOWN : RUNNING);
    });
}

export function migrationId(server: Server): string {
    return `migration-${server.id}`;
}

export function confirmResize(world: World, server: Server): void {
    freeAllocations(world, migrationId(server));
    server.oldFlavor = null;
    set(world, server, server.wasStopped ? 'stopped' : 'active', null);
}

export function revertResize(world: World, server: Server): void {
    set(world, server, 'resized', 'resize_reverting');
    after(world, server, world.config.latenciesMs.resize / 2, () => {
        const old = server.oldFlavor ?? server.flavor;
        freeAllocations(world, server.id);
        moveAllocations(world, migrationId(server), server.id);
        const source = world.allocations.get(server.id)?.[0]?.hostUuid;
        server.host = world.hostsByUuid.get(source ?? '')?.name ?? server.host;
        countUsage(world, server, server.flavor, -1);
        countUsage(world, server, old, 1);
        server.flavor = old;
        server.oldFlavor = null;
        set(
            world,
            server,
            server.wasStopped ? 'stopped' : 'active',
            null,
            server.wasStopped ? SHUTDOWN : RUNNING,
        );
    });
}

/** Rebuild: rebuilding, then rebuild_spawning on the same host; a stopped server ends stopped again. */
export function rebuild(world: World, server: Server, imageId: string): void {
    const stopped = server.vmState === 'stopped';
    const half = world.config.latenciesMs.boot / 2;
    server.imageId = imageId;
    set(world, server, server.vmState, 'rebuilding');
    after(world, server, half, () => {
        set(world, server, server.vmState, 'rebuild_spawning');
        after(world, server, half, () => {
            server.fault = null;
            set(world, server, stopped ? 'stopped' : 'active', null, stopped ? SHUTDOWN : RUNNING);
        });
    });
}

/** Delete: a moment in task `deleting`, then a DELETED record that changes-since listings still show. */
export function destroy(world: World, server: Server): void {
    set(world, server, server.vmState, 'deleting');
    after(world, server, world.config.latenciesMs.delete, () => {
        finishDelete(world, server);
    });
}

export function finishDelete(world: World, server: Server): void {
    freeAllocations(world, server.id);
    freeAllocations(world, migrationId(server));
    for (const port of server.ports) {
        world.ports.delete(port.id);
    }

    const usage = world.usageOf(server.projectId);
    usage.instances--;
    countUsage(world, server, server.flavor, -1);

    server.deleted = true;
    server.terminatedAt = Date.now();
    server.host = null;
    set(world, server, 'deleted', null, NOSTATE);
}
