// The crash soak: a real operator process killed with SIGKILL at random moments while it creates
// machines, against a simulator process, judged on the simulator's call log.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { CoordinationV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { expect } from 'chai';

import { installTag, ownerFromTag } from '../../../operator/controllers/shared/naming.ts';
import { TEST_SETTINGS } from '../../../operator/openstack/settings.ts';
import { TEST_ELECTION } from '../../../operator/runtime/leader-election.ts';
import { RUN_LABEL, type Obj } from '../controllers/harness.ts';
import { localCluster, requireCluster, testNamespace } from '../runtime/cluster.ts';
import { freePort, startOperator, type OperatorProcess } from '../runtime/operator-process.ts';
import { committed, deletedId, loggedCalls, serverDeletes, type LoggedCall } from './call-log.ts';

const REPO = resolve(import.meta.dirname, '../../..');
const SEED = Number(process.env.SOAK_SEED ?? 424242);
const MACHINES = Number(process.env.SOAK_MACHINES ?? 200);
const KILLS = Number(process.env.SOAK_KILLS ?? 20);
/**
 * Creates committed past the settle window, beyond DESIGN.md's assumption, to make duplicates the
 * reaper must remove under kills; none by default, as the soak has the window longer.
 */
const LATE_COMMITS = Number(process.env.SOAK_LATE_COMMITS ?? 0);
/** The simulator commits some creates this long after receiving them: after the client gave up. */
const COMMIT_AFTER_MS = TEST_SETTINGS.createTimeoutMs + 500;
/** Longer than the commit-after delay, as DESIGN.md's settle window must be. */
const SETTLE_MS = 4_000;
const POLL_MS = 250;
/** After a duplicate's window: the observation's interval, then a reaping on a busy 2-core machine. */
const REAP_SLACK_MS = POLL_MS + 1_500;
const GROUP = { group: 'bascule.io', version: 'v1alpha1' };

describe('the crash soak: SIGKILLed operator processes while machines are created', function () {
    this.timeout(6 * 60_000);
    const runId = testNamespace('soak');
    const ns = runId;
    const tenant = `${runId}-t`;
    const installationId = runId.replace(/[^a-z0-9]/g, '').slice(0, 32);
    const random = mulberry32(SEED);
    const dir = mkdtempSync(join(tmpdir(), 'bascule-soak-'));
    const operators: OperatorProcess[] = [];
    let sim: { child: ChildProcess; url: string } | undefined;
    let api: CustomObjectsApi;
    let leases: CoordinationV1Api;

    before(async function () {
        const kc = await localCluster();
        requireCluster(this, kc);
        api = kc.makeApiClient(CustomObjectsApi);
        leases = kc.makeApiClient(CoordinationV1Api);
    });

    after(async () => {
        await Promise.all(operators.map((op) => stopProcess(op.child, op.exit)));
        await removeRun(api, runId);
        await leases.deleteNamespacedLease({ name: 'bascule-soak', namespace: ns }).catch(() => undefined);
        if (sim) await stopProcess(sim.child, new Promise((ok) => sim?.child.once('exit', ok)));
        rmSync(dir, { recursive: true, force: true });
    });

    it(`should end with ${MACHINES} servers, duplicates reaped within a settle window, none recorded removed`, async () => {
        const startedAt = Date.now();
        sim = await startSimProcess(join(dir, 'clouds.yaml'), SEED);
        const simUrl = sim.url;
        await addCreateFaults(simUrl);
        const start = () => {
            const op = startOperator(join(dir, 'clouds.yaml'), operatorFlags(ns, installationId, runId));
            operators.push(op);
            return op;
        };

        // A leader and a standby; the Tenant is Ready before any machine is applied.
        let leader = start();
        await Promise.race([leader.logged('Leader election won'), failAfter(60_000, 'no first leader')]);
        let standby = start();
        await createTenant(api, tenant, ns, runId, MACHINES);
        await until('Tenant Ready', async () => ready(await getTenant(api, tenant)), 60_000);

        const monitor = new StatusMonitor(api, ns, runId);
        monitor.start();
        const kills: { at: number; during: boolean; inFlight: boolean; wonAt: number }[] = [];
        // Machines are left for after the last kill, so every kill falls in the creation of them all.
        const batch = Math.floor(MACHINES / (KILLS + 1));
        let applied = 0;
        for (let k = 0; k < KILLS; k++) {
            // Each leadership gets a batch of new machines, and is killed at a random moment of it.
            const names = range(applied, Math.min(MACHINES, applied + batch)).map(vmName);
            applied += names.length;
            await Promise.all(names.map((name) => createMachine(api, ns, name, tenant, runId)));
            // A random moment, but not after the batch starts to be Ready: a kill once every machine
            // is up would hit no create (a batch boots at once, so its machines turn Ready together).
            const untilMs = Date.now() + 200 + random() * 1_300;
            const before = applied - names.length;
            while (Date.now() < untilMs && monitor.readyCount() <= before) await sleep(20);
            const during = monitor.readyCount() < MACHINES;
            const inFlight = monitor.readyCount() < applied;
            const at = Date.now();
            leader.child.kill('SIGKILL');
            const next = start();
            await Promise.race([standby.logged('Leader election won'), failAfter(30_000, 'no new leader')]);
            kills.push({ at, during, inFlight, wonAt: Date.now() });
            leader = standby;
            standby = next;
        }
        for (const name of range(applied, MACHINES).map(vmName))
            await createMachine(api, ns, name, tenant, runId);

        await until('every machine Ready', () => Promise.resolve(monitor.readyCount() === MACHINES), 120_000);
        const allReadyMs = Date.now() - startedAt;
        // Past a settle window and its slack, a late commit has shown and its duplicate is gone.
        await sleep(SETTLE_MS + REAP_SLACK_MS);
        const cloud = await cloudServers(simUrl, installationId);
        await monitor.stop();

        const leaderless = kills.map((k) => ({ from: k.at, to: k.wonAt }));
        const figures = await soakFigures(simUrl, installationId, cloud, monitor, leaderless);
        const report = {
            seed: SEED,
            machines: MACHINES,
            lateCommitsPastWindow: LATE_COMMITS,
            kills: kills.length,
            killsDuringCreation: kills.filter((k) => k.during).length,
            killsWithBatchInFlight: kills.filter((k) => k.inFlight).length,
            operatorProcesses: operators.length,
            settleWindowMs: SETTLE_MS,
            commitAfterMs: COMMIT_AFTER_MS,
            leaseMs: TEST_ELECTION.leaseDurationMs,
            meanTakeoverMs: Math.round(mean(kills.map((k) => k.wonAt - k.at))),
            ...figures.summary,
            allReadyAfterMs: allReadyMs,
            wallTimeMs: Date.now() - startedAt,
        };
        console.log(
            `      crash soak figures: ${JSON.stringify(report, null, 2).replace(/\n/g, '\n      ')}`,
        );

        expect(kills.length).to.be.at.least(KILLS);
        expect(report.killsDuringCreation).to.equal(kills.length);
        // Most kills land on a leader whose own batch is still being created.
        expect(report.killsWithBatchInFlight).to.be.at.least(Math.ceil(kills.length / 2));
        const recorded = monitor.finalIds();
        expect(new Set(recorded).size).to.equal(MACHINES);
        expect(cloud.live.map((s) => s.id).sort()).to.deep.equal([...recorded].sort());
        expect(figures.recordedDeleted, 'recorded servers deleted').to.deep.equal([]);
        expect(figures.unreaped, 'duplicates never reaped').to.deep.equal([]);
        for (const d of figures.duplicates) {
            expect(d.lifetimeMs, `duplicate ${d.id}`).to.be.at.most(
                SETTLE_MS + REAP_SLACK_MS + d.leaderlessMs,
            );
        }
    });
});

function vmName(i: number): string {
    return `vm-${String(i).padStart(3, '0')}`;
}

function operatorFlags(ns: string, installationId: string, runId: string): string[] {
    const kubeconfig = process.env.KUBECONFIG ?? resolve(REPO, '.local/kubeconfig');
    return [
        ...['--kubeconfig', kubeconfig, '--leader-elect', '--leader-election-namespace', ns],
        ...['--leader-election-id', 'bascule-soak', '--namespaces', ns],
        ...['--installation-id', installationId, '--object-selector', `${RUN_LABEL}=${runId}`],
        ...['--settings-profile', 'test', '--settle-window-ms', String(SETTLE_MS)],
        ...['--poll-interval-ms', String(POLL_MS), '--workers', '16'],
        ...['--queue-qps', '200', '--queue-burst', '400'],
        ...['--metrics-bind-address=0', '--health-probe-bind-address=0'],
    ];
}

/** `node hack/openstack-sim/main.ts` on a free port; resolves once it listens. */
async function startSimProcess(
    cloudsYaml: string,
    seed: number,
): Promise<{ child: ChildProcess; url: string }> {
    const port = await freePort();
    const args = ['--port', String(port), '--seed', String(seed), '--background-servers', '0'];
    const child = spawn(
        process.execPath,
        ['hack/openstack-sim/main.ts', ...args, '--latency-scale', '0.2', '--clouds-yaml', cloudsYaml],
        { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const url = await new Promise<string>((ok, fail) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            const found = /listening on (\S+)/.exec(out)?.[1];
            if (found) ok(found);
        });
        child.once('exit', (code) => {
            fail(new Error(`simulator exited with ${String(code)}`));
        });
    });
    child.stderr.resume();
    return { child, url };
}

/** Ambiguous creates, each a few percent: committed with the answer lost, committed late, dropped. */
async function addCreateFaults(simUrl: string): Promise<void> {
    const post = { service: 'compute', method: 'POST', path: '^/v2.1/servers$' };
    const rules: Record<string, unknown>[] = [
        { ...post, probability: 0.05, action: { kind: 'lostResponse' } },
        { ...post, probability: 0.05, action: { kind: 'commitAfter', ms: COMMIT_AFTER_MS } },
        { ...post, probability: 0.03, action: { kind: 'drop' } },
    ];
    if (LATE_COMMITS > 0) {
        const late = TEST_SETTINGS.createTimeoutMs + SETTLE_MS + 2_000;
        rules.push({
            ...post,
            probability: 0.1,
            count: LATE_COMMITS,
            action: { kind: 'commitAfter', ms: late },
        });
    }
    const answer = await fetch(`${simUrl}/_sim/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ rules }),
    });
    expect(answer.status).to.equal(201);
}

/** Every server with the installation's tag, deleted ones included (a changes-since listing). */
async function cloudServers(simUrl: string, installationId: string) {
    const auth = {
        identity: {
            methods: ['password'],
            password: { user: { name: 'admin', domain: { id: 'default' }, password: 'admin' } },
        },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
    };
    const issued = await fetch(`${simUrl}/identity/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ auth }),
    });
    const token = issued.headers.get('x-subject-token') ?? '';
    const query = new URLSearchParams({
        all_tenants: '1',
        'changes-since': '1970-01-01T00:00:00Z',
        tags: installTag(installationId),
        limit: '1000',
    });
    const answer = await fetch(`${simUrl}/compute/v2.1/servers/detail?${query.toString()}`, {
        headers: { 'X-Auth-Token': token, 'OpenStack-API-Version': 'compute 2.90' },
    });
    const body = (await answer.json()) as { servers: CloudServer[] };
    const all = body.servers;
    expect(all.length, 'one page holds every server').to.be.below(1000);
    const live = all.filter((s) => s.status !== 'DELETED' && s['OS-EXT-STS:task_state'] !== 'deleting');
    return { all, live };
}

interface CloudServer {
    id: string;
    created: string;
    status: string;
    tags: string[];
    'OS-EXT-STS:task_state'?: string | null;
}

interface Interval {
    from: number;
    to: number;
}

/**
 * The figures the closing note reports, from the call log: creates per owner tag, the duplicates
 * (servers no machine ever recorded), when each was reaped, and any recorded server deleted.
 */
async function soakFigures(
    simUrl: string,
    installationId: string,
    cloud: { all: CloudServer[]; live: CloudServer[] },
    monitor: StatusMonitor,
    leaderless: Interval[],
) {
    const posts = await loggedCalls(simUrl, {
        method: 'POST',
        path: '^/v2.1/servers$',
        tag: installTag(installationId),
    });
    const deletes = await serverDeletes(simUrl);
    const ownerOf = (tags: readonly string[] = []) => tags.map(ownerFromTag).find((uid) => uid !== undefined);
    const byOwner = groupBy(posts, (c) => ownerOf(c.tags) ?? '');
    const ever = monitor.everRecorded();
    const deleteOf = (id: string) => deletes.find((c) => deletedId(c) === id);

    const duplicates = cloud.all
        .filter((s) => !ever.has(s.id))
        .map((s) => {
            const commit = commitTime(byOwner.get(ownerOf(s.tags) ?? '') ?? [], s.created);
            const reaped = deleteOf(s.id);
            const end = reaped ? Date.parse(reaped.at) : Date.now();
            return {
                id: s.id,
                reaped: reaped !== undefined,
                lifetimeMs: end - commit,
                leaderlessMs: overlap(leaderless, { from: commit, to: end }),
            };
        });
    const attempts = [...byOwner.values()];
    const summary = {
        createsPerOwnerTag: histogram(attempts.map((calls) => calls.filter(committed).length)),
        createAttemptsPerOwnerTag: histogram(attempts.map((calls) => calls.length)),
        ambiguousCreates: posts.filter((c) => c.faults.length > 0).length,
        serversEverCreated: cloud.all.length,
        liveServers: cloud.live.length,
        duplicatesProduced: duplicates.length,
        duplicatesReaped: duplicates.filter((d) => d.reaped).length,
        timeToReapMs: duplicates.map((d) => d.lifetimeMs),
        maxDuplicateLifetimeMs: Math.max(0, ...duplicates.map((d) => d.lifetimeMs)),
        recordedIdsSeen: ever.size,
    };
    return {
        summary,
        duplicates,
        unreaped: duplicates.filter((d) => !d.reaped).map((d) => d.id),
        recordedDeleted: [...ever].filter((id) => deleteOf(id) !== undefined),
    };
}

/**
 * When a server was committed: Nova's `created` has whole seconds, so the earliest committed create
 * of its owner within that second (the longest lifetime it can have had), else the second itself.
 */
function commitTime(creates: readonly LoggedCall[], created: string): number {
    const second = Date.parse(created);
    const within = creates
        .filter(committed)
        .map((c) => Date.parse(c.at))
        .filter((at) => at >= second && at < second + 1_000);
    return within.length > 0 ? Math.min(...within) : second;
}

/** Every status.serverID the machines showed during the run, polled. */
class StatusMonitor {
    private readonly seen = new Set<string>();
    private latest = new Map<string, { serverID?: string; ready: boolean }>();
    private running: Promise<void> | undefined;
    private stopped = false;
    private readonly api: CustomObjectsApi;
    private readonly namespace: string;
    private readonly labelSelector: string;

    constructor(api: CustomObjectsApi, namespace: string, runId: string) {
        this.api = api;
        this.namespace = namespace;
        this.labelSelector = `${RUN_LABEL}=${runId}`;
    }

    start(): void {
        this.running = (async () => {
            while (!this.stopped) {
                await this.poll().catch(() => undefined);
                await sleep(200);
            }
        })();
    }

    async stop(): Promise<void> {
        this.stopped = true;
        await this.running;
        await this.poll();
    }

    readyCount(): number {
        return [...this.latest.values()].filter((m) => m.ready).length;
    }

    everRecorded(): Set<string> {
        return new Set(this.seen);
    }

    finalIds(): string[] {
        return [...this.latest.values()].map((m) => m.serverID ?? '');
    }

    private async poll(): Promise<void> {
        const list = (await this.api.listNamespacedCustomObject({
            ...GROUP,
            plural: 'virtualmachines',
            namespace: this.namespace,
            labelSelector: this.labelSelector,
        })) as { items: Obj[] };
        const next = new Map<string, { serverID?: string; ready: boolean }>();
        for (const vm of list.items) {
            const serverID = vm.status?.serverID as string | undefined;
            if (serverID !== undefined) this.seen.add(serverID);
            const ready = vm.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
            next.set(vm.metadata.name, { ...(serverID ? { serverID } : {}), ready: ready === true });
        }
        this.latest = next;
    }
}

async function createTenant(api: CustomObjectsApi, name: string, ns: string, runId: string, n: number) {
    // Room for every machine and a few duplicates at once, so no create waits for quota.
    const guarantee = { instances: n + 40, cores: n + 40, ram: `${(n + 40) * 512}Mi` };
    const body = {
        apiVersion: 'bascule.io/v1alpha1',
        kind: 'Tenant',
        metadata: { name, labels: { [RUN_LABEL]: runId } },
        spec: { guarantee, namespaces: [ns] },
    };
    await api.createClusterCustomObject({ ...GROUP, plural: 'tenants', body });
}

function getTenant(api: CustomObjectsApi, name: string): Promise<Obj> {
    return api.getClusterCustomObject({ ...GROUP, plural: 'tenants', name }) as Promise<Obj>;
}

async function createMachine(api: CustomObjectsApi, ns: string, name: string, tenant: string, runId: string) {
    const body = {
        apiVersion: 'bascule.io/v1alpha1',
        kind: 'VirtualMachine',
        metadata: { name, labels: { [RUN_LABEL]: runId } },
        spec: { tenant, flavor: { name: 'm1.tiny' }, image: { name: 'cirros-0.6.2' } },
    };
    await api.createNamespacedCustomObject({ ...GROUP, plural: 'virtualmachines', namespace: ns, body });
}

function ready(obj: Obj): boolean {
    return obj.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** With no operator left, strips the run's finalizers and deletes its machines and Tenant. */
async function removeRun(api: CustomObjectsApi, runId: string): Promise<void> {
    const labelSelector = `${RUN_LABEL}=${runId}`;
    for (const plural of ['virtualmachines', 'tenants']) {
        const ref = { ...GROUP, resourcePlural: plural };
        const list = (await api.listCustomObjectForAllNamespaces({ ...ref, labelSelector })) as {
            items: Obj[];
        };
        for (const obj of list.items) {
            const { name, namespace } = obj.metadata;
            const body = { ...obj, metadata: { ...obj.metadata, finalizers: [] } };
            const at = { ...GROUP, plural, name };
            if (namespace === undefined) {
                await api.replaceClusterCustomObject({ ...at, body }).catch(() => undefined);
                await api.deleteClusterCustomObject(at).catch(() => undefined);
            } else {
                await api.replaceNamespacedCustomObject({ ...at, namespace, body }).catch(() => undefined);
                await api.deleteNamespacedCustomObject({ ...at, namespace }).catch(() => undefined);
            }
        }
    }
}

/** SIGTERM, then SIGKILL after a grace; only this process, by its own handle. */
async function stopProcess(child: ChildProcess, exit: Promise<unknown>): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const grace = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(grace);
}

/** A small seeded PRNG (mulberry32), so a soak's kill moments can be replayed by seed. */
function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function overlap(intervals: readonly Interval[], span: Interval): number {
    return intervals.reduce(
        (sum, i) => sum + Math.max(0, Math.min(i.to, span.to) - Math.max(i.from, span.from)),
        0,
    );
}

function histogram(values: readonly number[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const v of values) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
    return counts;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
    const groups = new Map<string, T[]>();
    for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
    return groups;
}

function range(from: number, to: number): number[] {
    return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

function mean(values: readonly number[]): number {
    return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

function failAfter(ms: number, what: string): Promise<never> {
    return new Promise((_, fail) =>
        setTimeout(() => {
            fail(new Error(what));
        }, ms).unref(),
    );
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
        if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms`);
        await sleep(250);
    }
}
