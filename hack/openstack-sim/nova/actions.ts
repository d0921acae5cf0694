// POST /servers/{id}/action: power, shelve, resize, rebuild and locks, each refused in the wrong state.
import { isAdmin } from '../keystone/tokens.ts';
import type { Ctx } from '../router.ts';
import type { Server } from '../state.ts';
import { isRecord, novaError, text, type Reply } from '../wire.ts';
import { checkLock, checkState, findServer, policy } from './access.ts';
import * as life from './lifecycle.ts';
import { checkQuota } from './quota.ts';
import { serverDetail } from './views.ts';

type Action = (ctx: Ctx, server: Server, arg: unknown) => Reply | undefined;

const ACCEPTED: Reply = { status: 202 };

const ACTIONS: Record<string, Action> = {
    'os-stop': (ctx, s) => {
        checkState(s, 'stop', ['active', 'error']);
        life.stop(ctx.world, s);
        return undefined;
    },
    'os-start': (ctx, s) => {
        checkState(s, 'start', ['stopped']);
        life.start(ctx.world, s);
        return undefined;
    },
    shelve: (ctx, s) => {
        checkState(s, 'shelve', ['active', 'stopped']);
        life.shelve(ctx.world, s);
        return undefined;
    },
    shelveOffload: (ctx, s) => {
        policy(ctx, 'os_compute_api:os-shelve:shelve_offload');
        checkState(s, 'shelve_offload', ['shelved']);
        life.offload(ctx.world, s);
        return undefined;
    },
    unshelve: unshelve,
    resize: resize,
    confirmResize: (ctx, s) => {
        checkState(s, 'confirmResize', ['resized']);
        life.confirmResize(ctx.world, s);
        return { status: 204 };
    },
    revertResize: (ctx, s) => {
        checkState(s, 'revertResize', ['resized']);
        life.revertResize(ctx.world, s);
        return undefined;
    },
    rebuild: rebuild,
    lock: lock,
    unlock: (ctx, s) => {
        // Nova's is_expected_locked_by: a lock an admin set is lifted by the owner only with the override.
        if (s.lockedBy !== null && s.lockedBy !== lockerOf(ctx, s)) {
            policy(ctx, 'os_compute_api:os-lock-server:unlock:unlock_override');
        }
        s.locked = false;
        s.lockedReason = null;
        s.lockedBy = null;
        ctx.world.touch(s);
        return undefined;
    },
};

/** Actions that a lock does not stop. */
const LOCK_FREE = new Set(['lock', 'unlock']);

export function serverAction(ctx: Ctx, [id = '']: string[]): Reply {
    const entry = isRecord(ctx.body) ? Object.entries(ctx.body)[0] : undefined;
    const action = entry === undefined ? undefined : ACTIONS[entry[0]];
    if (entry === undefined || action === undefined) {
        throw novaError(400, 'There is no such action: ' + (entry?.[0] ?? 'None'));
    }

    const server = findServer(ctx, id, true);
    if (!LOCK_FREE.has(entry[0])) {
        checkLock(ctx, server);
    }
    return action(ctx, server, entry[1]) ?? ACCEPTED;
}

function unshelve(ctx: Ctx, s: Server): undefined {
    checkState(s, 'unshelve', ['shelved', 'shelved_offloaded']);

    // Only with usage from Placement does an offloaded server stop counting, so only then is there something to check.
    if (s.vmState === 'shelved_offloaded' && ctx.world.quotaCounting === 'placement') {
        checkQuota(ctx.world, s.projectId, { instances: 0, cores: s.flavor.vcpus, ram: s.flavor.ram });
    }
    life.unshelve(ctx.world, s);
    return undefined;
}

function resize(ctx: Ctx, s: Server, arg: unknown): undefined {
    const ref = isRecord(arg) ? arg.flavorRef : undefined;
    if (ref === undefined) {
        throw novaError(
            400,
            "Invalid input for field/attribute resize. Value: None. 'flavorRef' is a required property",
        );
    }
    const flavor = ctx.world.flavors.get(text(ref));
    if (flavor === undefined) {
        throw novaError(400, `Flavor ${text(ref)} could not be found.`);
    }
    checkState(s, 'resize', ['active', 'stopped']);
    if (flavor.id === s.flavor.id) {
        throw novaError(400, 'When resizing, instances must change flavor!');
    }

    // Nova checks only the growth (upsize delta) against quota.
    const cores = Math.max(0, flavor.vcpus - s.flavor.vcpus);
    const ram = Math.max(0, flavor.ram - s.flavor.ram);
    checkQuota(ctx.world, s.projectId, { instances: 0, cores, ram });
    const failure = ctx.effects.find((e) => e.kind === 'resizeFailure');
    const message = failure === undefined ? undefined : (failure.message ?? 'Simulated resize failure.');
    life.resize(ctx.world, s, flavor, message);
    return undefined;
}

function rebuild(ctx: Ctx, s: Server, arg: unknown): Reply {
    const imageId = isRecord(arg) && typeof arg.imageRef === 'string' ? arg.imageRef : undefined;
    if (imageId === undefined || !ctx.world.images.has(imageId)) {
        throw novaError(400, `Image ${String(imageId)} could not be found.`);
    }
    checkState(s, 'rebuild', ['active', 'stopped', 'error']);
    life.rebuild(ctx.world, s, imageId);

    // Nova answers a rebuild with the full server view and a new admin password.
    const view = serverDetail(ctx, s, isAdmin(ctx));
    return { status: 202, body: { server: { ...view, adminPass: ctx.world.random.password(12) } } };
}

function lock(ctx: Ctx, s: Server, arg: unknown): undefined {
    const reason = isRecord(arg) && typeof arg.locked_reason === 'string' ? arg.locked_reason : null;
    if (reason !== null && ctx.microversion < 73) {
        throw novaError(
            400,
            "Invalid input for field/attribute lock. Value: {...}. Additional properties are not allowed ('locked_reason' was unexpected)",
        );
    }
    // As Nova: an owner's lock leaves an existing lock as it is; an admin's replaces it (and its reason).
    const by = lockerOf(ctx, s);
    if (s.locked && by === 'owner') {
        return undefined;
    }
    s.locked = true;
    s.lockedReason = reason;
    s.lockedBy = by;
    ctx.world.touch(s);
    return undefined;
}

/** Nova's locked_by: 'owner' for a token of the server's project, 'admin' for any other. */
function lockerOf(ctx: Ctx, s: Server): 'owner' | 'admin' {
    return ctx.token?.projectId === s.projectId ? 'owner' : 'admin';
}
