// Who may see and touch which server, as Nova's default policies say.
import { isAdmin } from '../keystone/tokens.ts';
import type { Ctx } from '../router.ts';
import type { Server } from '../state.ts';
import { novaError } from '../wire.ts';

export function policy(ctx: Ctx, rule: string): void {
    if (!isAdmin(ctx)) {
        throw novaError(403, `Policy doesn't allow ${rule} to be performed.`);
    }
}

/**
 * A live server the token may see: an admin sees any, a member only its project's. An unknown ID
 * on an action has "no mapping to a cell", as Nova says.
 */
export function findServer(ctx: Ctx, id: string, forAction = false): Server {
    const server = ctx.world.servers.get(id);
    if (server === undefined && forAction) {
        throw novaError(404, `Instance ${id} has no mapping to a cell.`);
    }
    if (
        server === undefined ||
        server.deleted ||
        (!isAdmin(ctx) && server.projectId !== ctx.token?.projectId)
    ) {
        throw novaError(404, `Instance ${id} could not be found.`);
    }
    return server;
}

/** A locked server refuses changes from anyone but an admin. */
export function checkLock(ctx: Ctx, server: Server): void {
    if (server.locked && !isAdmin(ctx)) {
        throw novaError(409, `Instance ${server.id} is locked`);
    }
}

/** Nova's InstanceInvalidState: the vm_state first, then a task in progress. */
export function checkState(
    server: Server,
    action: string,
    vmStates: string[],
    taskStates: (string | null)[] = [null],
): void {
    if (!vmStates.includes(server.vmState)) {
        throw novaError(
            409,
            `Cannot '${action}' instance ${server.id} while it is in vm_state ${server.vmState}`,
        );
    }
    if (!taskStates.includes(server.taskState)) {
        throw novaError(
            409,
            `Cannot '${action}' instance ${server.id} while it is in task_state ${String(server.taskState)}`,
        );
    }
}
