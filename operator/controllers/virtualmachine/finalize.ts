import { isKind } from '../../openstack/errors.ts';
import type { Scope } from '../../openstack/identity.ts';
import type { Server } from '../../openstack/nova-views.ts';
import type { ActuatorDeps } from '../shared/deps.ts';
import { installTag, ownerTag } from '../shared/naming.ts';
import { progressing, released, type Outcome } from '../shared/outcome.ts';
import type { KindContext } from '../shared/reconciler.ts';
import { compute } from './converge.ts';
import { unlockOwn } from './locks.ts';
import type { VirtualMachine, VirtualMachineStatus } from './types.ts';

type Ctx = KindContext<VirtualMachineStatus>;

/**
 * Deletion behind the finalizer: delete or orphan the server by policy, done once it is gone. A
 * parked server is unlocked (as admin) first: the delete and the untagging use the tenant's token,
 * and an orphan must not keep a lock no one will lift.
 */
export class Finalizer {
    private readonly deps: ActuatorDeps;

    constructor(deps: ActuatorDeps) {
        this.deps = deps;
    }

    async finalize(vm: VirtualMachine, ctx: Ctx, projectId: string | undefined): Promise<Outcome> {
        // NOTE: without its Tenant's project no tenant token can be had; the server, if any, is
        // left and becomes an orphan for the reaper's report.
        if (projectId === undefined) return released('tenant project unknown; nothing to delete');
        const scope: Scope = { kind: 'project', projectId };
        ctx.status.phase = 'Deleting';

        const ids = await this.serverIds(vm, ctx, scope);
        const policy = vm.spec.deletionPolicy ?? ctx.status.deletionPolicy ?? 'Delete';
        if (policy === 'Orphan') {
            for (const id of ids) {
                const server = await this.read(ctx, scope, id);
                if (server !== undefined) await unlockOwn(this.deps, ctx, server, 'deletion');
                await this.untag(vm, ctx, scope, id);
            }
            return released('server orphaned');
        }

        const remaining = [];
        for (const id of ids) if (await this.remove(ctx, scope, id)) remaining.push(id);
        if (remaining.length === 0) return released('server deleted');
        return progressing('Deleting', `deleting ${remaining.join(', ')}`, this.deps.settings.buildCheckMs);
    }

    /** The recorded server, or those an unsettled create may have left (found by owner tag). */
    private async serverIds(vm: VirtualMachine, ctx: Ctx, scope: Scope): Promise<string[]> {
        if (ctx.status.serverID !== undefined) return [ctx.status.serverID];
        if (ctx.status.createAttempt === undefined) return [];
        const tags = [ownerTag(vm.metadata?.uid ?? '')];
        const found = await this.deps.cloud.nova.listServers(scope, { tags }, { signal: ctx.signal });
        return found.map((s) => s.id);
    }

    /** Sends the delete unless under way; true while the server still exists. */
    private async remove(ctx: Ctx, scope: Scope, id: string): Promise<boolean> {
        const { nova } = this.deps.cloud;
        try {
            const server = await nova.getServer(scope, id, { signal: ctx.signal });
            if (server.status === 'DELETED') return false;
            if (server.taskState === 'deleting') return true;
            await unlockOwn(this.deps, ctx, server, 'deletion');
            await ctx.mutate('deletion', compute('DELETE', '/servers/{id}', id), () =>
                nova.deleteServer(scope, id, { signal: ctx.signal }),
            );
            ctx.event({
                type: 'Normal',
                reason: 'ServerDeleting',
                action: 'Delete',
                note: 'server deleting',
            });
            return true;
        } catch (err) {
            if (isKind(err, 'NotFound')) return false;
            throw err;
        }
    }

    /** The server as the tenant sees it, or undefined when it is gone. */
    private async read(ctx: Ctx, scope: Scope, id: string): Promise<Server | undefined> {
        try {
            return await this.deps.cloud.nova.getServer(scope, id, { signal: ctx.signal });
        } catch (err) {
            if (isKind(err, 'NotFound')) return undefined;
            throw err;
        }
    }

    /** Orphan: strips Bascule's tags so no installation claims the server again. */
    private async untag(vm: VirtualMachine, ctx: Ctx, scope: Scope, id: string): Promise<void> {
        const tags = [installTag(this.deps.installationId), ownerTag(vm.metadata?.uid ?? '')];
        for (const tag of tags) {
            await ctx.mutate('deletion', compute('DELETE', '/servers/{id}/tags/{tag}', id), () =>
                this.deps.cloud.nova
                    .removeTag(scope, id, tag, { signal: ctx.signal })
                    .catch((err: unknown) => {
                        if (!isKind(err, 'NotFound')) throw err;
                    }),
            );
        }
        ctx.event({ type: 'Normal', reason: 'ServerOrphaned', action: 'Orphan', note: 'server left' });
    }
}
