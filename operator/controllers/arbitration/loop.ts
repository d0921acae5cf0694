import { isDeepStrictEqual } from 'node:util';

import { arbitrate } from '../../arbiter/arbitrate.ts';
import type { StabilitySettings } from '../../arbiter/settings.ts';
import type { ArbiterInput, Decision, TenantArbitration } from '../../arbiter/types.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { EventInput } from '../../runtime/event-recorder.ts';
import { objectKey, type KubeObject } from '../../runtime/kube-object.ts';
import { errorFields, type Logger } from '../../runtime/logging.ts';
import type { Tenant } from '../tenant/types.ts';
import type { VirtualMachine } from '../virtualmachine/types.ts';
import type { CapacityView } from './capacity.ts';
import type { FlavorCatalog } from './flavors.ts';
import { grantStatus, timestamp, type ArbitratedPool } from './grants.ts';
import { arbiterInput, type ArbitrationView } from './inputs.ts';
import type { ArbitrationMetrics } from './metrics.ts';
import type { ServerIndex } from './server-index.ts';
import { mergeRecords, type TransferLog } from './transfers.ts';
import type { GrantWriter } from './writer.ts';

/** How many status writes the arbiter has in flight at once. */
const WRITE_CONCURRENCY = 8;

export interface ArbitrationLoopOptions {
    tenants: { list(): KubeObject[] };
    pools: { list(): KubeObject[] };
    machines: { list(): KubeObject[] };
    servers: ServerIndex;
    capacity: CapacityView;
    flavors: FlavorCatalog;
    writer: GrantWriter;
    transfers: TransferLog;
    desiredOf: ArbitrationView['desiredOf'];
    settings: StabilitySettings;
    metrics: ArbitrationMetrics;
    events: { record(regarding: KubeObject, input: EventInput): Promise<void> };
    clock: Clock;
    log: Logger;
    /** True while this process leads and its caches have synced. */
    acting: () => boolean;
    signal: () => AbortSignal;
    /** The arbiter runs at least this often (residency and hysteresis expire with time alone). */
    intervalMs: number;
    /** Changes arriving within this long are arbitrated together. */
    debounceMs: number;
    /** Decisions are written as Events only; no grant or quota changes. */
    dryRun: boolean;
}

/**
 * The one arbiter: a single serialized loop over every Tenant and pool cluster-wide. Each run reads
 * the caches and the last observations, calls the pure arbiter, and applies what changed — pools'
 * grants and Tenants' arbitration blocks — under the arbiter's own field manager, so a new leader
 * resumes from them. Nothing else grants capacity; the pools and the Tenant controller act on it.
 */
export class ArbitrationLoop {
    private readonly opts: ArbitrationLoopOptions;
    private timer: NodeJS.Timeout | undefined;
    private running: Promise<void> | undefined;
    private again = false;
    private stopped = false;
    /** The last write error per object, so a repeated one is not logged on every run. */
    private readonly failures = new Map<string, string>();

    constructor(opts: ArbitrationLoopOptions) {
        this.opts = opts;
    }

    start(): void {
        this.schedule(0);
    }

    /** Stops the timer; a run in progress writes nothing more (it checks before each batch). */
    stop(): void {
        this.stopped = true;
        clearTimeout(this.timer);
    }

    /** Something the arbiter reads changed: run soon, once for a burst of changes. */
    trigger(): void {
        if (this.running !== undefined) {
            this.again = true;
            return;
        }
        this.schedule(this.opts.debounceMs);
    }

    /** One run now (tests; the timer calls it too). Returns the decision, if one was made. */
    async runOnce(): Promise<Decision | undefined> {
        if (!this.opts.acting() || !this.opts.servers.ready()) {
            this.opts.metrics.runs.inc({ result: 'skipped' });
            return undefined;
        }
        const signal = this.opts.signal();
        const nowMs = this.opts.clock.now();
        const capacity = await this.opts.capacity.refresh(signal);
        const pools = this.opts.pools.list() as ArbitratedPool[];
        const machines = this.opts.machines.list() as VirtualMachine[];
        await this.opts.flavors.learn(flavorRefs(pools, machines), signal);

        const { input, skipped } = arbiterInput({
            tenants: this.opts.tenants.list(),
            pools,
            machines,
            holdingByProject: (isReplica) => this.opts.servers.holdingByProject(isReplica),
            capacity,
            flavorSize: (ref) => this.opts.flavors.size(ref),
            desiredOf: this.opts.desiredOf,
            nowMs,
            settings: this.opts.settings,
        });
        for (const s of skipped)
            this.opts.log.debug('Pool not arbitrated', { pool: s.pool, reason: s.reason });
        const decision = arbitrate(input);

        if (this.opts.dryRun) {
            await this.explain(pools, decision);
            this.opts.metrics.runs.inc({ result: 'dry_run' });
            return decision;
        }
        this.follow(input, decision, nowMs, pools);
        await this.applyPools(pools, decision);
        await this.applyTenants(decision, nowMs);
        this.opts.metrics.record(decision, parkedOf(input));
        this.opts.metrics.runs.inc({ result: 'decided' });
        return decision;
    }

    private follow(input: ArbiterInput, decision: Decision, nowMs: number, pools: ArbitratedPool[]): void {
        const byKey = new Map(pools.map((p) => [objectKey(p), p]));
        this.opts.transfers.begin(decision.reallocations, nowMs, (key) => byKey.has(key));
        this.opts.transfers.observe(input, decision, nowMs);

        for (const r of decision.reallocations) {
            const taker = r.to === null ? undefined : byKey.get(r.to);
            const giver = byKey.get(r.from);
            const rule = { 3: 'Borrow', 4: 'Reclaim', 5: 'Emergency' }[r.rule];
            const note = `${String(r.replicas)} machines from ${r.from} to ${r.to ?? 'nowhere (capacity shrank)'} (${rule})`;
            this.opts.log.info('Capacity reallocated', {
                rule,
                from: r.from,
                to: r.to,
                machines: r.replicas,
            });
            for (const pool of [taker, giver]) {
                if (pool === undefined) continue;
                void this.opts.events.record(pool, {
                    type: 'Normal',
                    reason: rule,
                    action: 'Reallocate',
                    note,
                });
            }
        }
    }

    private async applyPools(pools: ArbitratedPool[], decision: Decision): Promise<void> {
        const tenantOf = (key: string) => (decision.pools[key] === undefined ? '' : tenantOfPool(pools, key));
        const writes: Write[] = [];
        for (const pool of pools) {
            const key = objectKey(pool);
            const d = decision.pools[key];
            if (d === undefined) continue;
            const status = pool.status ?? {};
            const next = {
                ...grantStatus(d),
                reallocations: mergeRecords(
                    status.reallocations ?? [],
                    this.opts.transfers.records(key, tenantOf),
                ),
            };
            const current = {
                granted: status.granted,
                grantedAt: status.grantedAt,
                arbitration: status.arbitration,
                reallocations: status.reallocations ?? [],
            };
            if (isDeepStrictEqual(current, next)) continue;
            const { namespace = '', name = '' } = pool.metadata ?? {};
            writes.push({ key, write: () => this.opts.writer.pool(namespace, name, next) });
        }
        await this.inBatches(writes);
    }

    private async applyTenants(decision: Decision, nowMs: number): Promise<void> {
        const tenants = new Map(
            (this.opts.tenants.list() as Tenant[]).map((t) => [t.metadata?.name ?? '', t]),
        );
        const writes: Write[] = [];
        for (const [name, a] of Object.entries(decision.tenants)) {
            const next = arbitrationBlock(a);
            const current = { ...tenants.get(name)?.status?.arbitration };
            delete current.decidedAt;
            if (isDeepStrictEqual(current, next)) continue;
            const write = () => this.opts.writer.tenant(name, { ...next, decidedAt: timestamp(nowMs) });
            writes.push({ key: name, write });
        }
        await this.inBatches(writes);
    }

    /** Dry run: what would change, as Events on the pools, and nothing else. */
    private async explain(pools: ArbitratedPool[], decision: Decision): Promise<void> {
        for (const pool of pools) {
            const d = decision.pools[objectKey(pool)];
            if (d === undefined || d.granted === pool.status?.granted) continue;
            const note = `would grant ${String(d.granted)} replicas (now ${String(pool.status?.granted ?? 'none')}); dry run, nothing changed`;
            await this.opts.events.record(pool, {
                type: 'Normal',
                reason: 'DryRun',
                action: 'Arbitrate',
                note,
            });
        }
    }

    /**
     * Runs the writes a few at a time. One object's failure (a conflict, a validation error) does not
     * hold back the others; it is logged once per distinct error, and the next run tries again.
     */
    private async inBatches(writes: Write[]): Promise<void> {
        for (let i = 0; i < writes.length; i += WRITE_CONCURRENCY) {
            // A leader that lost its lease (or stopped) during the run writes nothing more.
            if (this.stopped || !this.opts.acting()) return;
            const batch = writes.slice(i, i + WRITE_CONCURRENCY);
            const results = await Promise.allSettled(batch.map((w) => w.write()));
            results.forEach((result, j) => {
                if (result.status === 'fulfilled') return;
                const key = batch[j]?.key ?? '';
                const fields = errorFields(result.reason);
                const repeated = this.failures.get(key) === String(fields.error);
                this.failures.set(key, String(fields.error));
                if (!repeated) this.opts.log.warn('Arbitration write failed', { key, ...fields });
            });
        }
    }

    private schedule(delayMs: number): void {
        if (this.stopped) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
            this.running = this.runOnce()
                .then(() => undefined)
                .catch((err: unknown) => {
                    this.opts.metrics.runs.inc({ result: 'error' });
                    if (!this.opts.signal().aborted)
                        this.opts.log.warn('Arbitration failed', errorFields(err));
                })
                .finally(() => {
                    this.running = undefined;
                    const again = this.again;
                    this.again = false;
                    this.schedule(again ? this.opts.debounceMs : this.opts.intervalMs);
                });
        }, delayMs);
        this.timer.unref();
    }
}

function arbitrationBlock(a: TenantArbitration) {
    return {
        held: { ...a.held },
        borrowed: { ...a.borrowed },
        lent: { ...a.lent },
        effective: { ...a.effective },
        ...(a.conditions.length === 0 ? {} : { conditions: [...a.conditions] }),
    };
}

function parkedOf(input: ArbiterInput): Record<string, number> {
    return Object.fromEntries(Object.entries(input.poolUsage).map(([key, u]) => [key, u.parked]));
}

function tenantOfPool(pools: ArbitratedPool[], key: string): string {
    return pools.find((p) => objectKey(p) === key)?.spec?.tenant ?? '';
}

function flavorRefs(pools: ArbitratedPool[], machines: VirtualMachine[]) {
    return [
        ...pools.map((p) => p.spec?.template?.spec?.flavor ?? {}),
        ...machines.filter((m) => m.status?.serverID === undefined).map((m) => m.spec.flavor),
    ];
}

/** One status write of the arbiter, and the object it is for. */
interface Write {
    key: string;
    write: () => Promise<void>;
}
