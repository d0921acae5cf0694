import { createServer, connect, type Server, type Socket } from 'node:net';

import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { expect } from 'chai';

import { BACKGROUND_PROJECT_ID, demoHosts } from '../../../hack/openstack-sim/config.ts';
import type { Simulator } from '../../../hack/openstack-sim/server.ts';
import { differences, observe, POOL_TENANT } from '../../../hack/demo/observe.ts';
import { demoObjects, SCENARIOS, type EndState, type PoolName } from '../../../hack/demo/scenarios.ts';
import { installCrds } from '../../support/cluster.ts';
import { startTestSim } from '../../sim/helpers.ts';
import { metricValue, RUN_LABEL, startHarness, until, type Harness } from '../controllers/harness.ts';
import { localCluster, requireCluster, testNamespace } from '../runtime/cluster.ts';

const GROUP = { group: 'bascule.io', version: 'v1alpha1' };
const SCALE = 0.1;
/** Longer than any backoff of the test profile. */
const CONVERGE_MS = 90_000;
/** Scenario 3 at this scale: alerts grows from 1 to 101 (100 creates), elections parks 81. */
const ALERTS_CREATES = 100;
const ELECTIONS_PARKED = 81;

interface PoolSample {
    at: number;
    pool: PoolName;
    granted: number | undefined;
    grantedAt: string | undefined;
}

/** How the leader goes away: it releases its lease, or it is cut off from the API server. */
type Loss = 'released' | 'partitioned';
/** When: elections machines being parked (alerts not creating yet), or alerts' creates under way. */
type Stage = 'parking' | 'creating';

/**
 * ARBITER.md rule 7: grants are persisted, so a new leader resumes from them. Two operator instances
 * elect a leader on one Lease, over one simulator and one installation ID; the leader goes away in the
 * middle of scenario 3's transfer (its lease released, or cut off from the API server and waited out),
 * and the other finishes it without granting, creating or parking anything twice.
 */
describe('a leader change in the middle of a transfer', function () {
    this.timeout(CONVERGE_MS * 4);
    let kc: KubeConfig;

    before(async function () {
        const cluster = await localCluster();
        requireCluster(this, cluster);
        kc = cluster;
        await installCrds();
    });

    const cases: [Loss, Stage][] = [
        ['released', 'parking'],
        ['released', 'creating'],
        ['partitioned', 'creating'],
    ];
    for (const [loss, stage] of cases) {
        it(`resumes scenario 3 from the persisted grants when the leader's lease is ${loss} while ${stage}`, async () => {
            await handover(kc, loss, stage);
        });
    }
});

async function handover(kc: KubeConfig, loss: Loss, stage: Stage): Promise<void> {
    const suffix = `-${Date.now().toString(36)}`;
    const api = kc.makeApiClient(CustomObjectsApi);
    const lease = { namespace: testNamespace('lease'), name: `bascule-arbiter${suffix}` };
    const sim = await startTestSim(demoCloud());
    // A reaches the API server through a proxy that the partitioned case cuts.
    const proxy = await kubeProxy(kc);
    let a: Harness | undefined;
    let b: Harness | undefined;
    let stopWatch: (() => void) | undefined;
    try {
        a = await startHarness(loss === 'partitioned' ? proxy.kc : kc, {}, electing(sim, lease));
        await a.leading;
        b = await startHarness(kc, {}, { ...electing(sim, lease), runId: a.runId });
        let bLeads = false;
        void b.leading.then(() => (bLeads = true));

        // Scenario 2's end state, reached directly: analytics wants 100, the election window is open.
        await createObjects(api, suffix, a.runId);
        await converge(api, suffix, endOf(1), a);
        expect(bLeads, 'B stands by while A leads').to.equal(false);

        const alertsProject = await projectOf(api, `alerts${suffix}`);
        const samples: PoolSample[] = [];
        stopWatch = await watchGrants(api, a.runId, samples);
        const fromSeq = sim.calls.find({}).at(-1)?.seq ?? 0;

        // Scenario 3: the emergency.
        await scale(api, 'alerts-front', suffix, Math.round(1010 * SCALE));

        // In the middle of the transfer: some elections machines parked, alerts not yet at its grant.
        await until(
            `transfer ${stage}`,
            () => {
                const parked = shelves(sim, fromSeq).length;
                const created = creates(sim, fromSeq, alertsProject).length;
                const midway = stage === 'parking' ? parked >= 10 : created >= 20;
                return Promise.resolve(midway && created < ALERTS_CREATES ? true : undefined);
            },
            CONVERGE_MS,
        );
        const before = await poolStatus(api, 'alerts-front', suffix);
        const tenantBefore = await tenantArbitration(api, `alerts${suffix}`);
        const midway = {
            creates: creates(sim, fromSeq, alertsProject).length,
            parked: shelves(sim, fromSeq).length,
        };
        expect(before.granted, 'alerts granted before the handover').to.equal(101);
        expect(midway.creates, 'alerts creates before the handover').to.be.below(ALERTS_CREATES);

        const lostAt = Date.now();
        if (loss === 'released') {
            await a.halt();
        } else {
            // Abrupt: A can no longer reach the API server, so it neither renews nor releases its lease.
            proxy.cut();
        }
        await until('B leads', () => (bLeads ? Promise.resolve(true) : Promise.resolve(undefined)), 20_000);
        const handoverMs = Date.now() - lostAt;
        if (loss === 'partitioned') await a.halt();

        const end = endOf(2);
        await converge(api, suffix, end, b);
        // Anything done twice would show up a little later: look again after a pause.
        await new Promise((r) => setTimeout(r, 3_000));
        expect(differences(await observe(api, suffix), end), 'still converged').to.deep.equal([]);
        stopWatch();

        const alertsCreates = creates(sim, fromSeq, alertsProject);
        const parked = shelves(sim, fromSeq);
        const detail = `midway ${JSON.stringify(midway)}, handover ${String(handoverMs)} ms`;
        const twice = alertsCreates
            .map((c) => c.serverName ?? '')
            .filter((name, i, names) => names.indexOf(name) !== i);
        expect(alertsCreates.length, `alerts creates (${detail}; again: ${twice.join(' ')})`).to.equal(
            ALERTS_CREATES,
        );
        expect(parked.length, `shelve actions (${detail})`).to.equal(ELECTIONS_PARKED);
        expect(new Set(parked.map((c) => c.path)).size, 'distinct machines shelved').to.equal(
            ELECTIONS_PARKED,
        );
        expect(activeServers(sim, alertsProject), 'alerts servers running').to.equal(101);

        // The grants never went above what scenario 3 ends with, beyond where they started.
        const most = (pool: PoolName) =>
            Math.max(...samples.filter((s) => s.pool === pool).map((s) => s.granted ?? 0));
        expect(most('alerts-front'), 'alerts granted at most').to.equal(101);
        expect(most('elections-web'), 'elections granted at most').to.be.at.most(120);
        expect(most('analytics-batch'), 'analytics granted at most').to.be.at.most(19);
        // After the handover the grants are those of scenario 3's end and nothing else.
        const after = samples.filter((s) => s.at > lostAt);
        const want: Record<PoolName, number> = {
            'elections-web': 39,
            'alerts-front': 101,
            'analytics-batch': 0,
        };
        expect(
            after.filter((s) => s.granted !== want[s.pool]).map((s) => `${s.pool}=${String(s.granted)}`),
        ).to.deep.equal([]);

        // B resumed from the persisted grants: it arbitrated, and re-running on A's output changed nothing.
        const decided = await metricValue(b, 'bascule_arbitration_runs_total', { result: 'decided' });
        expect(decided ?? 0, "B's arbitration runs").to.be.greaterThan(0);
        const alertsAfter = await poolStatus(api, 'alerts-front', suffix);
        expect(alertsAfter.granted).to.equal(101);
        expect(alertsAfter.grantedAt, 'alerts grantedAt across the handover').to.equal(before.grantedAt);
        expect(
            new Set(
                samples.filter((s) => s.pool === 'alerts-front' && s.at > lostAt).map((s) => s.grantedAt),
            ),
        ).to.satisfy((set: Set<string>) => [...set].every((t) => t === before.grantedAt));
        const tenantAfter = await tenantArbitration(api, `alerts${suffix}`);
        expect(tenantAfter?.decidedAt, "alerts Tenant's decision time").to.equal(tenantBefore?.decidedAt);
    } finally {
        stopWatch?.();
        // B removes the run's objects while it still runs; A (perhaps cut off) only stops.
        await b?.stop();
        await a?.halt();
        proxy.close();
        await sim.stop();
    }
}

/** Where scenario `index` (from 0) ends at this scale. */
function endOf(index: number): EndState {
    const scenario = SCENARIOS[index];
    if (scenario === undefined) throw new Error(`no scenario ${String(index)}`);
    return scenario.end(SCALE);
}

function demoCloud() {
    return {
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
    };
}

/**
 * Election timings a little longer than the test profile's: both instances and the simulator share
 * this process, and on a loaded machine a 2 s renew deadline can lapse before the handover is due.
 */
const ELECTION = { leaseDurationMs: 6_000, renewDeadlineMs: 4_500, retryPeriodMs: 500 };

function electing(sim: Simulator, lease: { namespace: string; name: string }) {
    return { arbitration: true, sim, leaderElection: { ...lease, timings: ELECTION } };
}

/** The demo's objects at a tenth of the scale, analytics at 100 and the election window open. */
async function createObjects(api: CustomObjectsApi, suffix: string, runId: string): Promise<void> {
    for (const doc of demoObjects(SCALE, suffix, { [RUN_LABEL]: runId })) {
        const { namespace } = doc.metadata;
        if (namespace === undefined) {
            await api.createClusterCustomObject({ ...GROUP, plural: 'tenants', body: doc });
            continue;
        }
        if (doc.metadata.name === `analytics-batch${suffix}`) doc.spec.replicas = Math.round(1000 * SCALE);
        if (doc.metadata.name === `elections-web${suffix}`) {
            const [window] = doc.spec.schedule as Record<string, unknown>[];
            if (window) window.start = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        }
        await api.createNamespacedCustomObject({ ...GROUP, plural: 'elasticpools', namespace, body: doc });
    }
}

async function converge(api: CustomObjectsApi, suffix: string, expected: EndState, h: Harness) {
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

async function scale(api: CustomObjectsApi, pool: PoolName, suffix: string, replicas: number) {
    const namespace = `${POOL_TENANT[pool]}${suffix}`;
    const at = { ...GROUP, plural: 'elasticpools', namespace, name: `${pool}${suffix}` };
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await api.patchNamespacedCustomObjectScale({ ...at, body: { spec: { replicas } } }, merge);
}

async function poolStatus(api: CustomObjectsApi, pool: PoolName, suffix: string) {
    const namespace = `${POOL_TENANT[pool]}${suffix}`;
    const obj = (await api.getNamespacedCustomObject({
        ...GROUP,
        plural: 'elasticpools',
        namespace,
        name: `${pool}${suffix}`,
    })) as { status?: { granted?: number; grantedAt?: string } };
    return obj.status ?? {};
}

async function tenantArbitration(api: CustomObjectsApi, name: string) {
    const obj = (await api.getClusterCustomObject({ ...GROUP, plural: 'tenants', name })) as {
        status?: { arbitration?: { decidedAt?: string } };
    };
    return obj.status?.arbitration;
}

async function projectOf(api: CustomObjectsApi, tenant: string): Promise<string> {
    const obj = (await api.getClusterCustomObject({ ...GROUP, plural: 'tenants', name: tenant })) as {
        status?: { projectID?: string };
    };
    const id = obj.status?.projectID;
    if (id === undefined) throw new Error(`Tenant ${tenant} has no project`);
    return id;
}

/** Successful server creates in `project` since `fromSeq`. */
function creates(sim: Simulator, fromSeq: number, project: string) {
    return sim.calls
        .find({ service: 'compute', method: 'POST', path: '^/v2\\.1/servers$' })
        .filter((c) => c.seq > fromSeq && c.status === 202 && c.projectId === project);
}

/** Successful shelve actions since `fromSeq` (done as admin, on any project's machine). */
function shelves(sim: Simulator, fromSeq: number) {
    return sim.calls
        .find({ service: 'compute', method: 'POST', path: '^/v2\\.1/servers/[^/]+/action$' })
        .filter((c) => c.seq > fromSeq && c.action === 'shelve' && c.status === 202);
}

function activeServers(sim: Simulator, project: string): number {
    return [...sim.world.servers.values()].filter((s) => s.projectId === project && s.vmState === 'active')
        .length;
}

/** Samples the run's pools' grants every 100 ms until the returned function is called. */
async function watchGrants(api: CustomObjectsApi, runId: string, samples: PoolSample[]): Promise<() => void> {
    const state = { stopped: false };
    const sample = async () => {
        const list = (await api.listCustomObjectForAllNamespaces({
            ...GROUP,
            resourcePlural: 'elasticpools',
            labelSelector: `${RUN_LABEL}=${runId}`,
        })) as { items: { metadata: { name: string }; status?: { granted?: number; grantedAt?: string } }[] };
        const at = Date.now();
        for (const obj of list.items) {
            const pool = obj.metadata.name.replace(/-[^-]+$/, '') as PoolName;
            samples.push({ at, pool, granted: obj.status?.granted, grantedAt: obj.status?.grantedAt });
        }
    };
    await sample();
    void (async () => {
        while (!state.stopped) {
            await new Promise((r) => setTimeout(r, 100));
            await sample().catch(() => undefined);
        }
    })();
    return () => {
        state.stopped = true;
    };
}

/** A TCP proxy to the API server, and a kubeconfig that goes through it; cut() severs it for good. */
async function kubeProxy(kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new Error('no current cluster');
    const target = new URL(cluster.server);
    const sockets = new Set<Socket>();
    const server: Server = createServer((client) => {
        const upstream = connect(Number(target.port || 443), target.hostname);
        for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('error', () => undefined);
            s.on('close', () => {
                sockets.delete(s);
                client.destroy();
                upstream.destroy();
            });
        }
        client.pipe(upstream);
        upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, target.hostname, resolve));
    const { port } = server.address() as { port: number };
    const proxied = new KubeConfig();
    proxied.loadFromOptions({
        clusters: kc.clusters.map((c) =>
            c.name === cluster.name
                ? { ...c, server: `${target.protocol}//${target.hostname}:${String(port)}` }
                : c,
        ),
        users: kc.users,
        contexts: kc.contexts,
        currentContext: kc.getCurrentContext(),
    });
    let open = true;
    const cut = () => {
        if (!open) return;
        open = false;
        server.close();
        for (const s of sockets) s.destroy();
    };
    return { kc: proxied, cut, close: cut };
}
