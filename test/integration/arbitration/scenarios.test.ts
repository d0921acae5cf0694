import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { expect } from 'chai';

import { BACKGROUND_PROJECT_ID, demoHosts } from '../../../hack/openstack-sim/config.ts';
import { differences, observe, POOL_TENANT } from '../../../hack/demo/observe.ts';
import {
    demoObjects,
    SCENARIOS,
    startState,
    type Driver,
    type EndState,
} from '../../../hack/demo/scenarios.ts';
import { installCrds } from '../../support/cluster.ts';
import { RUN_LABEL, startHarness, until, type Harness } from '../controllers/harness.ts';
import { localCluster, requireCluster } from '../runtime/cluster.ts';

const GROUP = { group: 'bascule.io', version: 'v1alpha1' };
const SCALE = 0.1;
/** Longer than any backoff of the test profile. */
const CONVERGE_MS = 90_000;

/**
 * ARBITER.md's four scenarios at a tenth of the scale (240 machines on 6 hosts), chained as the
 * demo plays them, against the local API server and the simulator, with the arbiter, the pool,
 * Tenant and VirtualMachine controllers all running.
 */
describe('the four arbitration scenarios at a tenth of the scale', function () {
    this.timeout(CONVERGE_MS * 6);
    let h: Harness;
    let api: CustomObjectsApi;
    const suffix = `-${Date.now().toString(36)}`;

    before(async function () {
        this.timeout(120_000);
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
            { arbitration: true },
        );
        api = kc.makeApiClient(CustomObjectsApi);
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
    });

    after(async () => {
        await h.stop();
    });

    const driver: Driver = {
        async scale(pool, replicas) {
            const at = { ...GROUP, plural: 'elasticpools', namespace: ns(pool), name: `${pool}${suffix}` };
            const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
            await api.patchNamespacedCustomObjectScale({ ...at, body: { spec: { replicas } } }, merge);
        },
        async openWindow(pool, at) {
            const ref = { ...GROUP, plural: 'elasticpools', namespace: ns(pool), name: `${pool}${suffix}` };
            const obj = (await api.getNamespacedCustomObject(ref)) as {
                spec: { schedule: { start: string }[] };
            };
            obj.spec.schedule[0] = {
                ...obj.spec.schedule[0],
                start: at.toISOString().replace(/\.\d+Z$/, 'Z'),
            };
            await api.replaceNamespacedCustomObject({ ...ref, body: obj });
        },
    };
    const ns = (pool: keyof typeof POOL_TENANT) => `${POOL_TENANT[pool]}${suffix}`;

    async function converge(expected: EndState): Promise<void> {
        let last: string[] = [];
        await until(
            'converged',
            async () => {
                last = differences(await observe(api, suffix), expected);
                return last.length === 0 ? true : undefined;
            },
            CONVERGE_MS,
        ).catch((err: unknown) => {
            const warnings = h.logs.filter((line) => line.includes('"warn"') || line.includes('"error"'));
            throw new Error(`${String(err)}\n  ${last.join('\n  ')}\n${warnings.slice(-15).join('\n')}`);
        });
    }

    /** Creates and unshelves sent to Nova since `fromSeq`. */
    function growth(fromSeq: number) {
        return h.sim.calls
            .find({ service: 'compute', method: 'POST', path: '^/v2\\.1/servers(/[^/]+/action)?$' })
            .filter((c) => c.seq > fromSeq && (c.action === undefined || c.action === 'unshelve'));
    }

    it('starts with every pool at its floor', async () => {
        await converge(startState(SCALE));
    });

    for (const scenario of SCENARIOS) {
        it(`scenario ${scenario.name}: ${scenario.story}`, async () => {
            const fromSeq = h.sim.calls.find({}).at(-1)?.seq ?? 0;
            await scenario.play(driver, SCALE);
            await converge(scenario.end(SCALE));

            // The order of effects: growth waited for quota and freed capacity, so Nova refused none.
            const calls = growth(fromSeq);
            expect(calls.length, 'creates and unshelves').to.be.greaterThan(0);
            const refused = calls.filter((c) => c.status === 403 || c.status === 409);
            expect(
                refused.map((c) => `${c.path} ${c.action ?? 'create'} -> ${String(c.status)}`),
            ).to.deep.equal([]);
            const errored = [...h.sim.world.servers.values()].filter((s) => s.vmState === 'error');
            expect(errored.map((s) => s.id)).to.deep.equal([]);
        });
    }

    it('times the transfers of every rule in bascule_reallocation_duration_seconds', async () => {
        const metric = h.manager.metrics.registry.getSingleMetric('bascule_reallocation_duration_seconds');
        const values = ((await metric?.get())?.values ?? []) as {
            metricName?: string;
            value: number;
            labels: { rule?: string };
        }[];
        const counted = values
            .filter((v) => v.metricName === 'bascule_reallocation_duration_seconds_count' && v.value > 0)
            .map((v) => v.labels.rule);
        expect(counted).to.include.members(['Borrow', 'Reclaim', 'Emergency']);
    });
});
