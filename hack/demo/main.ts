// `make demo`: the main job on the embedded default. Starts the local API server (unless it runs), the
// OpenStack simulator (ARBITER.md's demo cloud, boot latency of tens of seconds) and the operator,
// applies the sample Tenants and ElasticPools, plays the four scenarios with a timeline, asserts
// ARBITER.md's end states, prints a summary table, writes a chart, and stops what it started.
// Exit 0 only if every end state held within its deadline.
import type { ChildProcess } from 'node:child_process';

import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

import { defaultConfig, scaleLatencies } from '../openstack-sim/config.ts';
import { writeCloudsYaml } from '../openstack-sim/clouds-yaml.ts';
import { startSimulator, type Simulator } from '../openstack-sim/server.ts';
import { writeChart } from './chart.ts';
import {
    applyFiles,
    clusterStart,
    clusterStop,
    clusterUp,
    DEMO_LATENCY_SCALE,
    installCrds,
    kubeConfig,
    operatorArgs,
    PROBE_ADDRESS,
    removeDemoObjects,
    running,
    SIM_PORT,
    sleep,
    startProcess,
} from './environment.ts';
import { differences, observe, type Observed } from './observe.ts';
import { Recorder, type ScenarioSummary } from './recorder.ts';
import { POOLS, SCENARIOS, startState, type Driver, type EndState } from './scenarios.ts';

/**
 * How long one scenario may take to converge: far longer than any backoff of the demo profile
 * (quota retry 5 s, dependency retry 2 s), so only a stuck transfer fails it.
 */
const DEADLINE_MS = 10 * 60_000;
const SAMPLE_MS = 1_000;

/** `--bench`: play up to the emergency and print its phases (make bench) instead of the whole demo. */
const BENCH = process.argv.includes('--bench');

async function main(): Promise<number> {
    const began = Date.now();
    const say = (line: string) => {
        const t = ((Date.now() - began) / 1000).toFixed(1).padStart(6);
        console.log(`[${t}s] ${line}`);
    };
    if (running('operator') || running('simulator')) {
        console.error('make up is running the same environment: run make down first.');
        return 2;
    }

    const stops: (() => Promise<void> | void)[] = [];
    const stopAll = async () => {
        for (const stop of stops.reverse()) await stop();
    };
    process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

    try {
        // Set-up: reported apart from the scenarios (the first one builds the API server).
        const setupBegan = Date.now();
        const startCluster = !clusterUp();
        if (startCluster) {
            say('starting the local API server and etcd (the first time builds the API server: minutes)');
            clusterStart();
            stops.push(() => {
                clusterStop();
            });
        }
        const kc = kubeConfig();
        await installCrds(kc);
        if (!startCluster) {
            // An API server that was already up: start from the samples alone, and leave it as found.
            const left = await removeDemoObjects(kc);
            if (left > 0)
                say(`removed ${String(left)} demo objects an earlier run left on the running API server`);
            stops.push(async () => {
                await removeDemoObjects(kc);
            });
        }
        const sim = await startDemoSimulator();
        stops.push(() => sim.stop());
        say(
            `simulator on ${sim.url}: ${String(sim.world.hosts.length)} hosts, ${String(sim.world.servers.size)} servers`,
        );

        const operator = startProcess('operator', operatorArgs(), false);
        stops.push(() => stopChild(operator));
        await waitReady(operator);
        say(
            `operator ready (log: .local/logs/operator.log); set-up took ${seconds(Date.now() - setupBegan)}`,
        );

        const api = kc.makeApiClient(CustomObjectsApi);
        const count = await applyFiles(kc, [
            'config/samples/demo/tenants.yaml',
            'config/samples/demo/elasticpools.yaml',
        ]);
        say(`applied ${String(count)} objects from config/samples/demo (4 Tenants, 3 ElasticPools)`);

        const recorder = new Recorder(sim, () => observe(api), say);
        const sampler = setInterval(() => void recorder.sample(), SAMPLE_MS);
        stops.push(() => {
            clearInterval(sampler);
        });

        const failures: string[] = [];
        const startOk = await converge(recorder, 'start', startState(1), say);
        if (!startOk) failures.push('start');

        const driver = demoDriver(api);
        const played = BENCH ? SCENARIOS.slice(0, 3) : SCENARIOS;
        for (const scenario of startOk ? played : []) {
            say(`── scenario ${scenario.name}: ${scenario.story}`);
            recorder.begin(scenario.name);
            await scenario.play(driver, 1);
            const ok = await converge(recorder, scenario.name, scenario.end(1), say);
            recorder.end(scenario.name, ok);
            if (!ok) {
                failures.push(scenario.name);
                break;
            }
        }
        if (BENCH && failures.length === 0) {
            printPhases(await observe(api), recorder.summaries().at(-1));
        }

        clearInterval(sampler);
        printSummary(recorder.summaries());
        const chart = writeChart(recorder.samples(), recorder.marks());
        say(`chart of running and parked replicas per pool: ${chart}`);
        say(
            failures.length === 0 ? 'every end state held' : `end states not reached: ${failures.join(', ')}`,
        );
        return failures.length === 0 ? 0 : 1;
    } catch (err) {
        console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
        return 1;
    } finally {
        await stopAll();
    }
}

async function startDemoSimulator(): Promise<Simulator> {
    const config = defaultConfig();
    config.port = SIM_PORT;
    config.latenciesMs = scaleLatencies(config.latenciesMs, DEMO_LATENCY_SCALE);
    const sim = await startSimulator(config);
    writeCloudsYaml(config, sim.url);
    return sim;
}

async function waitReady(operator: ChildProcess): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
        if (operator.exitCode !== null) {
            throw new Error(
                `the operator exited (${String(operator.exitCode)}); see .local/logs/operator.log`,
            );
        }
        const ok = await fetch(`http://${PROBE_ADDRESS}/readyz`)
            .then((r) => r.ok)
            .catch(() => false);
        if (ok) return;
        await sleep(250);
    }
    throw new Error('the operator was not ready within 60 s; see .local/logs/operator.log');
}

async function stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
}

/** Waits for `expected`, printing progress; false when the deadline passes first. */
async function converge(recorder: Recorder, name: string, expected: EndState, say: (l: string) => void) {
    const began = Date.now();
    let last: string[] = [];
    let lastLine = '';
    let lastSaid = 0;
    while (Date.now() - began < DEADLINE_MS) {
        let observed: Observed;
        try {
            observed = await recorder.sample();
        } catch {
            await sleep(SAMPLE_MS);
            continue;
        }
        last = differences(observed, expected);
        if (last.length === 0) {
            say(`✓ ${name} converged in ${seconds(Date.now() - began)}: ${progressLine(observed)}`);
            return true;
        }
        const line = progressLine(observed);
        if (line !== lastLine && Date.now() - lastSaid > 5_000) {
            say(`   ${line}`);
            lastLine = line;
            lastSaid = Date.now();
        }
        await sleep(SAMPLE_MS);
    }
    say(`✗ ${name} not converged within ${seconds(DEADLINE_MS)}:`);
    for (const d of last) say(`     ${d}`);
    return false;
}

function progressLine(o: Observed): string {
    return POOLS.map((pool) => {
        const s = o.pools[pool];
        const parked = s.parkedReplicas ? ` (${String(s.parkedReplicas)} parked)` : '';
        return `${pool} ${String(s.readyReplicas ?? 0)}/${String(s.granted ?? 0)} ready${parked}`;
    }).join(' · ');
}

function demoDriver(api: CustomObjectsApi): Driver {
    const GROUP = { group: 'bascule.io', version: 'v1alpha1', plural: 'elasticpools' };
    const namespaceOf = (pool: string) => pool.split('-')[0] ?? '';
    return {
        async scale(pool, replicas) {
            // What kubectl scale does: a merge patch of the scale subresource (a GET of the scale of
            // a pool without spec.replicas is refused by the API server).
            const ref = { ...GROUP, namespace: namespaceOf(pool), name: pool };
            const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
            await api.patchNamespacedCustomObjectScale({ ...ref, body: { spec: { replicas } } }, merge);
        },
        async openWindow(pool, at) {
            const ref = { ...GROUP, namespace: namespaceOf(pool), name: pool };
            const obj = (await api.getNamespacedCustomObject(ref)) as {
                spec: { schedule: { start: string }[] };
            };
            const start = at.toISOString().replace(/\.\d+Z$/, 'Z');
            obj.spec.schedule[0] = { ...obj.spec.schedule[0], start };
            await api.replaceNamespacedCustomObject({ ...ref, body: obj });
        },
    };
}

function printSummary(rows: ScenarioSummary[]): void {
    const header = [
        'scenario',
        'created',
        'shelved',
        'unshelved',
        'deleted',
        'first ready',
        'last ready',
        'cloud calls',
    ];
    const body = rows.map((r) => [
        r.name,
        String(r.created),
        String(r.shelved),
        String(r.unshelved),
        String(r.deleted),
        r.firstReadyMs === undefined ? '-' : seconds(r.firstReadyMs),
        r.lastReadyMs === undefined ? '-' : seconds(r.lastReadyMs),
        String(r.calls),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0)));
    const line = (cells: string[]) =>
        cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
    console.log('');
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of body) console.log(line(row));
    console.log('');
}

/**
 * The emergency's phases, from the scale request: each transfer to alerts-front as the arbiter
 * recorded it (its steps are timed from the decision), and the cloud calls of the whole scenario.
 */
function printPhases(observed: Observed, summary: ScenarioSummary | undefined): void {
    if (summary === undefined) return;
    const requestMs = summary.startedAt;
    console.log('\nemergency benchmark: alerts-front scaled from 10 to 1,010 at t = 0');
    for (const r of observed.pools['alerts-front'].reallocations ?? []) {
        if (r.direction !== 'Gained' || Date.parse(r.time) < requestMs - 1_000) continue;
        const decidedMs = Date.parse(r.time) - requestMs;
        console.log(
            `  ${r.rule} of ${String(r.machines)} machines from ${r.peer}, decided at ${seconds(decidedMs)}`,
        );
        for (const step of r.steps) {
            console.log(
                `    ${step.name.padEnd(17)} ${seconds(decidedMs + step.seconds * 1000).padStart(9)}`,
            );
        }
    }
    const last = summary.lastReadyMs === undefined ? 'not reached' : seconds(summary.lastReadyMs);
    console.log(`  last alert machine ready (scenario converged) at ${last}`);
    console.log(`  cloud calls during the scenario: ${String(summary.calls)}\n`);
}

function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        console.error(err);
        process.exit(1);
    },
);
