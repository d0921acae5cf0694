import { isKind } from '../../openstack/errors.ts';
import type { Server } from '../../openstack/nova-views.ts';
import type { KubeObject } from '../../runtime/kube-object.ts';
import type { Orphan } from '../shared/orphan-report.ts';
import { compute } from '../virtualmachine/converge.ts';
import type { SweepDeps } from './deps.ts';

/** An orphan as the report keeps it; `since` survives from the previous sweep. */
export function orphanOf(
    deps: SweepDeps,
    server: Server,
    owner: string,
    uid: string,
    claimed: boolean,
): Orphan {
    return {
        serverId: server.id,
        serverName: server.name,
        projectId: server.projectId,
        owner,
        ownerUid: uid,
        since: deps.report.since(server.id) ?? deps.clock.now(),
        claimed,
    };
}

/**
 * Publishes one sweep's orphans: a Warning Event on the Tenant when one is first seen, the
 * `bascule_orphan_servers` gauge, the report the Tenant's `OrphanServers` condition reads (and a
 * requeue of the Tenants whose list changed); then deletes those reported for longer than
 * `deleteOrphansAfterMs`, when it is set. A claimed orphan (its namespace and name belong to a live
 * machine with its own server) is never deleted.
 */
export async function publishOrphans(deps: SweepDeps, orphans: readonly Orphan[], signal: AbortSignal) {
    const now = deps.clock.now();
    for (const o of orphans.filter((o) => deps.report.since(o.serverId) === undefined)) {
        deps.log.info('Orphan server found', {
            serverId: o.serverId,
            owner: o.owner,
            projectId: o.projectId,
        });
        const note = `server ${o.serverName} (${o.serverId}) outlived its VirtualMachine ${o.owner}`;
        warn(deps, o.projectId, 'OrphanServer', 'Report', note);
    }

    deps.metrics.orphanServers.reset();
    const counts = new Map<string, number>();
    for (const o of orphans) {
        const tenant = label(deps, o.projectId);
        counts.set(tenant, (counts.get(tenant) ?? 0) + 1);
    }
    for (const [tenant, count] of counts) deps.metrics.orphanServers.set({ tenant }, count);

    for (const projectId of deps.report.replace(orphans)) {
        const tenant = deps.tenantOf(projectId);
        if (tenant !== undefined) deps.enqueueTenant(tenant.name);
    }

    const after = deps.settings.deleteOrphansAfterMs;
    if (after === undefined) return;
    for (const o of orphans.filter((o) => !o.claimed && now - o.since >= after)) {
        await deleteOrphan(deps, o, signal);
    }
}

async function deleteOrphan(deps: SweepDeps, orphan: Orphan, signal: AbortSignal): Promise<void> {
    const [namespace = '', name = ''] = orphan.owner.split('/');
    const owner: KubeObject = {
        apiVersion: 'bascule.io/v1alpha1',
        kind: 'VirtualMachine',
        metadata: { namespace, name, uid: orphan.ownerUid },
    };
    const scope = { kind: 'project', projectId: orphan.projectId } as const;
    const call = compute('DELETE', '/servers/{id}', orphan.serverId);
    await deps.audit
        .record(owner, 'orphan', call, () => deps.cloud.nova.deleteServer(scope, orphan.serverId, { signal }))
        .catch((err: unknown) => {
            if (!isKind(err, 'NotFound')) throw err;
        });
    deps.log.info('Orphan server deleted', { serverId: orphan.serverId, owner: orphan.owner });
    deps.metrics.orphansDeleted.inc({ tenant: label(deps, orphan.projectId) });
    const note = `orphan server ${orphan.serverName} (${orphan.serverId}) deleted`;
    warn(deps, orphan.projectId, 'OrphanDeleted', 'Delete', note);
}

function warn(deps: SweepDeps, projectId: string, reason: string, action: string, note: string): void {
    const tenant = deps.tenantOf(projectId);
    if (tenant === undefined) return;
    const regarding = {
        apiVersion: 'bascule.io/v1alpha1',
        kind: 'Tenant',
        metadata: { name: tenant.name, uid: tenant.uid },
    };
    void deps.events.record(regarding, { type: 'Warning', reason, action, note });
}

/** The bounded tenant label: the Tenant's name, or "unknown" for a project no Tenant claims. */
function label(deps: SweepDeps, projectId: string): string {
    return deps.tenantOf(projectId)?.name ?? 'unknown';
}
