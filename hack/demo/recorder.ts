// What the demo saw: samples of every pool over time (for the chart), the arbiter's reallocations
// as they appear (for the timeline), and per scenario the cloud calls and the time to ready.
import type { Simulator } from '../openstack-sim/server.ts';
import type { Observed } from './observe.ts';
import { POOLS, type PoolName } from './scenarios.ts';

export interface Sample {
    /** Milliseconds since the recorder started. */
    t: number;
    pools: Record<PoolName, { running: number; parked: number; ready: number }>;
}

export interface Mark {
    t: number;
    label: string;
}

export interface ScenarioSummary {
    name: string;
    /** Epoch milliseconds of the scenario's first action. */
    startedAt: number;
    created: number;
    shelved: number;
    unshelved: number;
    deleted: number;
    /** From the scenario's start to the first machine that became ready, and to convergence. */
    firstReadyMs: number | undefined;
    lastReadyMs: number | undefined;
    calls: number;
    converged: boolean;
}

interface Current {
    name: string;
    startMs: number;
    fromSeq: number;
    baseline: Record<PoolName, number>;
    firstReadyMs: number | undefined;
}

export class Recorder {
    private readonly began = Date.now();
    private readonly taken: Sample[] = [];
    private readonly marked: Mark[] = [];
    private readonly done: ScenarioSummary[] = [];
    private readonly seen = new Set<string>();
    private current: Current | undefined;
    private last: Observed | undefined;
    private readonly sim: Simulator;
    private readonly read: () => Promise<Observed>;
    private readonly say: (line: string) => void;

    constructor(sim: Simulator, read: () => Promise<Observed>, say: (line: string) => void) {
        this.sim = sim;
        this.read = read;
        this.say = say;
    }

    async sample(): Promise<Observed> {
        const observed = await this.read();
        this.last = observed;
        const pools = {} as Sample['pools'];
        for (const pool of POOLS) {
            const s = observed.pools[pool];
            pools[pool] = {
                running: s.replicas ?? 0,
                parked: s.parkedReplicas ?? 0,
                ready: s.readyReplicas ?? 0,
            };
            const c = this.current;
            if (
                c !== undefined &&
                c.firstReadyMs === undefined &&
                (s.readyReplicas ?? 0) > c.baseline[pool]
            ) {
                c.firstReadyMs = Date.now() - c.startMs;
            }
        }
        this.taken.push({ t: Date.now() - this.began, pools });
        this.announce(observed);
        return observed;
    }

    begin(name: string): void {
        const baseline = {} as Record<PoolName, number>;
        for (const pool of POOLS) baseline[pool] = this.last?.pools[pool].readyReplicas ?? 0;
        this.current = {
            name,
            startMs: Date.now(),
            fromSeq: this.lastSeq(),
            baseline,
            firstReadyMs: undefined,
        };
        this.marked.push({ t: Date.now() - this.began, label: name });
    }

    end(name: string, converged: boolean): void {
        const c = this.current;
        if (c?.name !== name) return;
        const calls = this.sim.calls.find({}).filter((r) => r.seq > c.fromSeq);
        const compute = calls.filter((r) => r.service === 'compute');
        const accepted = (r: { status: number }) => r.status >= 200 && r.status < 300;
        const action = (name: string) => compute.filter((r) => r.action === name && accepted(r)).length;
        this.done.push({
            name,
            startedAt: c.startMs,
            created: compute.filter((r) => r.method === 'POST' && r.path === '/v2.1/servers' && accepted(r))
                .length,
            shelved: action('shelve'),
            unshelved: action('unshelve'),
            deleted: compute.filter(
                (r) => r.method === 'DELETE' && /^\/v2\.1\/servers\/[^/]+$/.test(r.path) && accepted(r),
            ).length,
            firstReadyMs: c.firstReadyMs,
            lastReadyMs: converged ? Date.now() - c.startMs : undefined,
            calls: calls.length,
            converged,
        });
        this.current = undefined;
    }

    summaries(): ScenarioSummary[] {
        return this.done;
    }

    samples(): Sample[] {
        return this.taken;
    }

    marks(): Mark[] {
        return this.marked;
    }

    /** Prints each reallocation the arbiter records in a pool's status, once, and its steps when done. */
    private announce(observed: Observed): void {
        for (const pool of POOLS) {
            for (const r of observed.pools[pool].reallocations ?? []) {
                if (r.direction !== 'Gained') continue;
                const id = `${pool} ${r.time} ${r.peer} ${r.rule}`;
                if (!this.seen.has(id)) {
                    this.seen.add(id);
                    this.say(`   arbiter: ${r.rule} — ${pool} gains ${String(r.machines)} from ${r.peer}`);
                }
                const ready = r.steps.find((s) => s.name === 'MachinesReady');
                if (ready !== undefined && !this.seen.has(`${id} done`)) {
                    this.seen.add(`${id} done`);
                    const steps = r.steps.map((s) => `${s.name} ${s.seconds.toFixed(1)} s`).join(', ');
                    this.say(
                        `   transfer to ${pool} of ${String(r.machines)} from ${r.peer} (${r.rule}) done: ${steps}`,
                    );
                }
            }
        }
    }

    private lastSeq(): number {
        return this.sim.calls.find({}).at(-1)?.seq ?? 0;
    }
}
