import { CustomObjectsApi } from '@kubernetes/client-node';
import { expect } from 'chai';

import { BACKGROUND_PROJECT_ID, demoHosts } from '../../../hack/openstack-sim/config.ts';
import { POOL_TENANT } from '../../../hack/demo/observe.ts';
import { demoObjects, POOLS, TENANTS, type PoolName } from '../../../hack/demo/scenarios.ts';
import { installCrds } from '../../support/cluster.ts';
import { RUN_LABEL, startHarness, until, type Harness } from '../controllers/harness.ts';
import { localCluster, requireCluster } from '../runtime/cluster.ts';

const GROUP = { group: 'bascule.io', version: 'v1alpha1' };
const EVENTS = { group: 'events.k8s.io', version: 'v1', plural: 'events' };
const SCALE = 0.1;

interface KubeEvent {
    reason?: string;
    note?: string;
    regarding?: { kind?: string; name?: string; namespace?: string };
}

/**
 * The arbiter's dry run (`--arbiter-dry-run`): it decides as usual, but says what it would grant as
 * DryRun Events on the pools and changes nothing — no grant, no Tenant arbitration block, no machine.
 */
describe('the arbiter in dry-run mode', function () {
    this.timeout(120_000);
    let h: Harness;
    let api: CustomObjectsApi;
    const suffix = `-${Date.now().toString(36)}`;

    before(async function () {
        const kc = await localCluster();
        requireCluster(this, kc);
        await installCrds();
        h = await startHarness(
            kc,
            {
                hosts: [demoHosts(6)],
                projects: [
                    {
                        id: BACKGROUND_PROJECT_ID,
                        name: 'background',
                        domain: 'Default',
                        tags: [],
                        quota: { instances: 100, cores: 200, ram: 409600 },
                        servers: { count: 100, flavor: 'm1.medium', namePrefix: 'legacy', tags: [] },
                    },
                ],
            },
            { arbitration: true, dryRun: true },
        );
        api = kc.makeApiClient(CustomObjectsApi);
    });

    after(async () => {
        await h.stop();
    });

    it('writes what it would grant as DryRun Events, and grants, applies and creates nothing', async () => {
        const fromSeq = h.sim.calls.find({}).at(-1)?.seq ?? 0;
        for (const doc of demoObjects(SCALE, suffix, { [RUN_LABEL]: h.runId })) {
            const { namespace } = doc.metadata;
            await (namespace === undefined
                ? api.createClusterCustomObject({ ...GROUP, plural: 'tenants', body: doc })
                : api.createNamespacedCustomObject({
                      ...GROUP,
                      plural: 'elasticpools',
                      namespace,
                      body: doc,
                  }));
        }

        // The start of the scenarios: elections and alerts would be granted their floors (20 and 1).
        const wanted: Partial<Record<PoolName, number>> = { 'elections-web': 20, 'alerts-front': 1 };
        for (const [pool, granted] of Object.entries(wanted) as [PoolName, number][]) {
            const events = await until(
                `DryRun Event on ${pool}`,
                async () => {
                    const found = (await dryRunEvents(pool)).filter((e) =>
                        e.note?.startsWith(`would grant ${String(granted)} replicas (now none)`),
                    );
                    return found.length > 0 ? found : undefined;
                },
                30_000,
            );
            expect(events[0]?.regarding).to.deep.include({ kind: 'ElasticPool', name: `${pool}${suffix}` });
        }
        // The Tenant controller has done its part (the projects exist) while the arbiter wrote nothing.
        for (const tenant of TENANTS) {
            await until(`Tenant ${tenant} has its project`, async () => {
                const t = await tenantStatus(tenant);
                return t.projectID === undefined ? undefined : true;
            });
        }
        // Several arbitration runs later, still nothing granted or applied.
        await new Promise((r) => setTimeout(r, 3_000));

        for (const pool of POOLS) {
            const status = await poolStatus(pool);
            expect(status.granted, `${pool} status.granted`).to.equal(undefined);
            expect(status.grantedAt, `${pool} status.grantedAt`).to.equal(undefined);
            expect(status.arbitration, `${pool} status.arbitration`).to.equal(undefined);
        }
        for (const tenant of TENANTS) {
            const status = await tenantStatus(tenant);
            expect(status.arbitration, `${tenant} status.arbitration`).to.equal(undefined);
        }
        const machines = (await api.listCustomObjectForAllNamespaces({
            ...GROUP,
            resourcePlural: 'virtualmachines',
            labelSelector: `${RUN_LABEL}=${h.runId}`,
        })) as { items: unknown[] };
        expect(machines.items, 'VirtualMachines').to.have.length(0);
        const growth = h.sim.calls
            .find({ service: 'compute', method: 'POST', path: '^/v2\\.1/servers(/[^/]+/action)?$' })
            .filter((c) => c.seq > fromSeq);
        expect(
            growth.map((c) => `${c.path} ${c.action ?? 'create'}`),
            'server creates and actions',
        ).to.deep.equal([]);
        const bascule = [...h.sim.world.servers.values()].filter(
            (s) => s.projectId !== BACKGROUND_PROJECT_ID,
        );
        expect(
            bascule.map((s) => s.name),
            'servers outside the background project',
        ).to.deep.equal([]);
    });

    async function dryRunEvents(pool: PoolName): Promise<KubeEvent[]> {
        const namespace = `${POOL_TENANT[pool]}${suffix}`;
        const list = (await api.listNamespacedCustomObject({ ...EVENTS, namespace })) as {
            items: KubeEvent[];
        };
        return list.items.filter((e) => e.reason === 'DryRun' && e.regarding?.name === `${pool}${suffix}`);
    }

    async function poolStatus(pool: PoolName) {
        const obj = (await api.getNamespacedCustomObject({
            ...GROUP,
            plural: 'elasticpools',
            namespace: `${POOL_TENANT[pool]}${suffix}`,
            name: `${pool}${suffix}`,
        })) as { status?: { granted?: number; grantedAt?: string; arbitration?: unknown } };
        return obj.status ?? {};
    }

    async function tenantStatus(tenant: string) {
        const obj = (await api.getClusterCustomObject({
            ...GROUP,
            plural: 'tenants',
            name: `${tenant}${suffix}`,
        })) as { status?: { arbitration?: unknown; projectID?: string } };
        return obj.status ?? {};
    }
});
