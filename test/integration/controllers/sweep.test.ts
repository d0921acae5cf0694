import { randomUUID } from 'node:crypto';

import { expect } from 'chai';

import {
    installTag,
    METADATA_NAME,
    METADATA_NAMESPACE,
    ownerTag,
    serverName,
} from '../../../operator/controllers/shared/naming.ts';
import { isKind } from '../../../operator/openstack/errors.ts';
import {
    condition,
    machines,
    metricValue,
    tenantSuite,
    tenants,
    until,
    waitCondition,
    waitGone,
    type Harness,
    type Obj,
} from './harness.ts';

/** Servers calls to one path, from the simulator's call log. */
async function calls(h: Harness, method: string, path: string): Promise<number> {
    const query = new URLSearchParams({ service: 'compute', method, path });
    const answer = await fetch(`${h.sim.url}/_sim/calls?${query.toString()}`);
    return ((await answer.json()) as { count: number }).count;
}

/** A cloud seen through one harness's tenant: seeding servers as a person or a restore would. */
function cloudOf(h: Harness, projectId: () => string, ns: string) {
    const scope = () => ({ kind: 'project', projectId: projectId() }) as const;
    return {
        /** A server made directly through the simulator's Nova API with the tenant's token. */
        seed: (name: string, ownerUid: string) =>
            h.cloud.nova.createServer(scope(), {
                name: serverName(ns, name),
                flavorId: '1',
                imageId: [...h.sim.world.images.keys()][0] ?? '',
                networks: 'none',
                tags: [installTag(h.installationId), ownerTag(ownerUid)],
                metadata: { [METADATA_NAMESPACE]: ns, [METADATA_NAME]: name },
            }),
        exists: async (id: string) => {
            try {
                const server = await h.cloud.nova.getServer(scope(), id);
                return server.status !== 'DELETED';
            } catch (err) {
                if (isKind(err, 'NotFound')) return false;
                throw err;
            }
        },
        remove: (id: string) => h.cloud.nova.deleteServer(scope(), id),
    };
}

describe('the server sweep: duplicates, orphans and re-adoption', function () {
    this.timeout(90_000);
    let h: Harness;
    let vms: ReturnType<typeof machines>;
    let cloud: ReturnType<typeof cloudOf>;
    let projectId = '';
    const suffix = Date.now().toString(36);
    const ns = `sw-${suffix}`;
    const tenant = `swt-${suffix}`;
    const minimal = { tenant, flavor: { name: 'm1.tiny' }, image: { name: 'cirros-0.6.2' } };

    const suite = tenantSuite(tenant, ns, { instances: 8, cores: 16, ram: '16Gi' });
    before(() => {
        ({ h, vms, projectId } = suite);
        cloud = cloudOf(h, () => projectId, ns);
    });

    const get = (name: string) => () => vms.get(name);
    const orphans = () =>
        until('OrphanServers reported', async () => {
            const found = condition(await tenants(h).get(tenant), 'OrphanServers');
            return found?.status === 'True' ? found : undefined;
        });

    it('should reap a duplicate with the owner tag, keeping the recorded server though younger', async () => {
        const created = await vms.create('dup', minimal);
        const recorded = (await waitCondition(get('dup'), 'Ready', 'True')).status?.serverID as string;
        const extra = await cloud.seed('dup', created.metadata.uid ?? '');
        // The extra is made the oldest: "else the oldest" must not win over the recorded server.
        const world = h.sim.world.servers;
        const older = (world.get(recorded)?.createdAt ?? 0) - 60_000;
        const seeded = world.get(extra);
        if (seeded) seeded.createdAt = older;

        await until('duplicate deleted', async () => ((await cloud.exists(extra)) ? undefined : true));
        expect(await cloud.exists(recorded)).to.be.true;
        expect((await vms.get('dup')).status?.serverID).to.equal(recorded);
        expect(await calls(h, 'DELETE', `^/v2.1/servers/${recorded}$`)).to.equal(0);
        expect(await calls(h, 'DELETE', `^/v2.1/servers/${extra}$`)).to.equal(1);
        expect(await metricValue(h, 'bascule_duplicates_reaped_total', { tenant })).to.equal(1);
        const audit = h.logs.filter((l) => l.includes('Cloud mutation') && l.includes('"duplicate"'));
        expect(audit.join('\n')).to.include(extra);

        await vms.remove('dup');
        await waitGone(get('dup'));
    });

    it('should report an orphan (Tenant condition, metric) and leave it, deletion being off', async () => {
        const id = await cloud.seed('ghost', randomUUID());
        const reported = await orphans();
        expect(reported.reason).to.equal('OrphansFound');
        expect(reported.message).to.include(id).and.include(`${ns}/ghost`);
        expect(await metricValue(h, 'bascule_orphan_servers', { tenant })).to.equal(1);
        expect(await cloud.exists(id)).to.be.true;
        expect(await calls(h, 'DELETE', `^/v2.1/servers/${id}$`)).to.equal(0);

        await cloud.remove(id);
        await until('orphan report cleared', async () => {
            const found = condition(await tenants(h).get(tenant), 'OrphanServers');
            return found?.status === 'False' ? found : undefined;
        });
    });

    it('should re-adopt the server of a recreated machine, retagging it, never deleting it', async () => {
        const earlierUid = randomUUID();
        const id = await cloud.seed('phoenix', earlierUid);
        // Paused, so the sweep's offer comes before the machine may act (a restore races it).
        const paused = { 'bascule.io/paused': 'true' };
        const created = await vms.create('phoenix', minimal, paused);
        await until('offered', () =>
            Promise.resolve(h.logs.some((l) => l.includes('re-adoption') && l.includes(id)) || undefined),
        );
        const obj = await vms.get('phoenix');
        delete obj.metadata.annotations?.['bascule.io/paused'];
        await vms.replace(obj);

        const ready: Obj = await waitCondition(get('phoenix'), 'Ready', 'True');
        expect(ready.status?.serverID).to.equal(id);
        const tags = h.sim.world.servers.get(id)?.tags ?? new Set<string>();
        expect([...tags]).to.include(ownerTag(created.metadata.uid ?? ''));
        expect([...tags]).not.to.include(ownerTag(earlierUid));
        const query = new URLSearchParams({
            method: 'POST',
            path: '^/v2.1/servers$',
            tag: ownerTag(created.metadata.uid ?? ''),
        });
        const creates = await fetch(`${h.sim.url}/_sim/calls?${query.toString()}`);
        expect(((await creates.json()) as { count: number }).count).to.equal(0);

        await vms.remove('phoenix');
        await waitGone(get('phoenix'));
    });
});

describe('the server sweep with orphan deletion opted in', function () {
    this.timeout(90_000);
    let h: Harness;
    let vms: ReturnType<typeof machines>;
    let cloud: ReturnType<typeof cloudOf>;
    let projectId = '';
    const suffix = Date.now().toString(36);
    const ns = `swd-${suffix}`;
    const tenant = `swdt-${suffix}`;

    const suite = tenantSuite(
        tenant,
        ns,
        { instances: 8, cores: 16, ram: '16Gi' },
        { settings: { deleteOrphansAfterMs: 0 } },
    );
    before(() => {
        ({ h, vms, projectId } = suite);
        cloud = cloudOf(h, () => projectId, ns);
    });

    it('should delete an orphan, but never one whose name a live machine with its own server holds', async () => {
        await vms.create('keep', { tenant, flavor: { name: 'm1.tiny' }, image: { name: 'cirros-0.6.2' } });
        const own = (await waitCondition(() => vms.get('keep'), 'Ready', 'True')).status?.serverID as string;
        const claimed = await cloud.seed('keep', randomUUID());
        await until('claimed reported', async () => {
            const found = condition(await tenants(h).get(tenant), 'OrphanServers');
            return found?.message?.includes(claimed) === true ? found : undefined;
        });

        // Seen by a later sweep than the claimed one, so that sweep's deletions are over.
        const ghost = await cloud.seed('ghost', randomUUID());
        await until('orphan deleted', async () => ((await cloud.exists(ghost)) ? undefined : true));
        expect(await cloud.exists(claimed)).to.be.true;
        expect(await cloud.exists(own)).to.be.true;
        expect(await metricValue(h, 'bascule_orphans_deleted_total', { tenant })).to.equal(1);
        const audit = h.logs.filter((l) => l.includes('Cloud mutation') && l.includes('"orphan"'));
        expect(audit.join('\n')).to.include(ghost);

        await cloud.remove(claimed);
        await vms.remove('keep');
        await waitGone(() => vms.get('keep'));
    });
});
