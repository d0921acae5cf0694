import { isKind } from '../../openstack/errors.ts';
import type { Server } from '../../openstack/nova-views.ts';
import type { Writable } from '../shared/kube-objects.ts';
import { compute } from '../virtualmachine/converge.ts';
import type { VirtualMachine } from '../virtualmachine/types.ts';
import type { SweepDeps } from './deps.ts';
import { planReap, type ReapPlan } from './plan.ts';

/**
 * Deletes the extra servers of one live machine, as planReap decides: never the one its status
 * records, never one younger than the settle window. Each deletion has an audit record, a Warning
 * Event on the machine and a count in `bascule_duplicates_reaped_total`. Returns the plan carried out.
 */
export async function reapDuplicates(
    deps: SweepDeps,
    vm: VirtualMachine,
    group: readonly Server[],
    signal: AbortSignal,
): Promise<ReapPlan> {
    const status = vm.status;
    const owner = {
        serverID: status?.serverID,
        createPending: status?.serverID === undefined && status?.createAttempt !== undefined,
    };
    const plan = planReap(group, owner, deps.clock.now(), deps.settings.settleWindowMs);
    const key = `${vm.metadata?.namespace ?? ''}/${vm.metadata?.name ?? ''}`;
    if (plan.held !== undefined) deps.log.verbose('Duplicate reaping held', { key, why: plan.held });

    const now = deps.clock.now();
    for (const [id, at] of recentlyReaped)
        if (now - at > 2 * deps.settings.settleWindowMs) recentlyReaped.delete(id);
    for (const id of plan.remove) {
        const server = group.find((s) => s.id === id);
        // The periodic sweep and the reaping on observation may both see one duplicate, and Nova
        // lists a server for a while after its delete: delete it once.
        if (recentlyReaped.has(id) || server?.taskState === 'deleting') continue;
        recentlyReaped.set(id, now);
        if (server !== undefined) await remove(deps, vm, server, signal);
        deps.log.info('Duplicate server reaped', { key, serverId: id, kept: plan.keep });
        const note = `extra server ${id} with this machine's owner tag deleted; kept ${plan.keep ?? ''}`;
        void deps.events.record(vm, { type: 'Warning', reason: 'DuplicateReaped', action: 'Delete', note });
        deps.metrics.duplicatesReaped.inc({ tenant: vm.spec.tenant });
    }
    return plan;
}

/** Servers this process deleted as duplicates lately, by ID, with when. */
const recentlyReaped = new Map<string, number>();

async function remove(deps: SweepDeps, vm: Writable, server: Server, signal: AbortSignal): Promise<void> {
    // With the tenant's token, as every server call; the server is in the tenant's project.
    const scope = { kind: 'project', projectId: server.projectId } as const;
    await deps.audit
        .record(vm, 'duplicate', compute('DELETE', '/servers/{id}', server.id), () =>
            deps.cloud.nova.deleteServer(scope, server.id, { signal }),
        )
        .catch((err: unknown) => {
            if (!isKind(err, 'NotFound')) throw err;
        });
}
