import { isKind } from '../../openstack/errors.ts';
import type { Scope } from '../../openstack/identity.ts';
import type { Server } from '../../openstack/nova-views.ts';
import type { ActuatorDeps } from '../shared/deps.ts';
import { METADATA_NAME, METADATA_NAMESPACE, ownerFromTag, ownerTag } from '../shared/naming.ts';
import type { KindContext } from '../shared/reconciler.ts';
import { compute } from './converge.ts';
import type { VirtualMachine, VirtualMachineStatus } from './types.ts';

type Ctx = KindContext<VirtualMachineStatus>;

/**
 * Takes a server the sweep offered (a restore or a recreate left it, under an earlier UID of this
 * namespace and name): if it is still there, in the tenant's project and named for this machine, its
 * ID is recorded first, then its owner tag rewritten to this UID. Undefined when it cannot be taken;
 * the caller then goes on as if nothing was offered.
 */
export async function takeOffer(
    deps: ActuatorDeps,
    vm: VirtualMachine,
    ctx: Ctx,
    scope: Scope,
    serverId: string,
): Promise<Server | undefined> {
    let server: Server;
    try {
        server = await deps.cloud.nova.getServer(scope, serverId, { signal: ctx.signal });
    } catch (err) {
        if (isKind(err, 'NotFound')) return undefined;
        throw err;
    }
    if (!namedFor(vm, server, scope)) return undefined;

    // Recorded before retagging: a crash in between leaves a server this machine owns by status,
    // whose tags the converger finishes; never one the reaper could take for an extra.
    ctx.status.origin ??= 'Created';
    ctx.status.serverID = server.id;
    delete ctx.status.createAttempt;
    await ctx.persist();
    const tags = await retag(deps, vm, ctx, scope, server);
    ctx.event({ type: 'Normal', reason: 'ServerReadopted', action: 'Adopt', note: 'server re-adopted' });
    return { ...server, tags };
}

/** Adds this machine's owner tag and removes any other; returns the tags now on the server. */
export async function retag(deps: ActuatorDeps, vm: VirtualMachine, ctx: Ctx, scope: Scope, server: Server) {
    const own = ownerTag(vm.metadata?.uid ?? '');
    const stale = server.tags.filter((t) => ownerFromTag(t) !== undefined && t !== own);
    const { nova } = deps.cloud;
    if (!server.tags.includes(own)) {
        await ctx.mutate('adoption', compute('PUT', '/servers/{id}/tags/{tag}', server.id), () =>
            nova.addTag(scope, server.id, own, { signal: ctx.signal }),
        );
    }
    for (const tag of stale) {
        await ctx.mutate('adoption', compute('DELETE', '/servers/{id}/tags/{tag}', server.id), () =>
            nova.removeTag(scope, server.id, tag, { signal: ctx.signal }),
        );
    }
    return [...server.tags.filter((t) => !stale.includes(t) && t !== own), own];
}

function namedFor(vm: VirtualMachine, server: Server, scope: Scope): boolean {
    const inProject = scope.kind === 'project' && server.projectId === scope.projectId;
    return (
        inProject &&
        server.metadata[METADATA_NAMESPACE] === vm.metadata?.namespace &&
        server.metadata[METADATA_NAME] === vm.metadata?.name
    );
}
