import type { ArbiterInput, Decision, Reallocation } from '../../arbiter/types.ts';
import { timestamp, type ReallocationRecord } from './grants.ts';

/** The steps of a transfer, in the order ARBITER.md's "Order of effects" puts them. */
export const STEPS = [
    'VictimsReleased',
    'CapacityObserved',
    'QuotaApplied',
    'CreatesIssued',
    'MachinesReady',
] as const;
export type Step = (typeof STEPS)[number];

/** ARBITER.md's rules by number, as pool status, Events and the metrics name them. */
export const RULE_NAMES: Record<Reallocation['rule'], string> = { 3: 'Borrow', 4: 'Reclaim', 5: 'Emergency' };

/** One transfer being carried out, with the time of each step from its start. */
export interface Transfer {
    readonly startMs: number;
    readonly rule: Reallocation['rule'];
    /** A pool key, or a lender (a Tenant's name, or "(unguaranteed)") under rule 3. */
    readonly from: string;
    readonly to: string | null;
    readonly replicas: number;
    readonly steps: Map<Step, number>;
    finishedMs?: number;
}

/** How long a transfer is followed before it is given up (its demand went away or never fits). */
const GIVE_UP_MS = 30 * 60_000;

/**
 * The transfers the arbiter decided, followed step by step: victims released (the giving pool runs
 * no more than its grant), freed capacity observed and quota applied (told by the growth gate),
 * creates issued and machines ready (the taking pool's ready replicas reach its grant). Each step is
 * timed from the decision; pool status shows the last five, metrics and Events keep the rest.
 */
export class TransferLog {
    private active: Transfer[] = [];
    private readonly finished = new Map<string, Transfer[]>();
    private readonly onFinished: (transfer: Transfer) => void;

    constructor(onFinished: (transfer: Transfer) => void) {
        this.onFinished = onFinished;
    }

    /** Starts following the reallocations of one decision. */
    begin(reallocations: readonly Reallocation[], nowMs: number, isPool: (key: string) => boolean): void {
        for (const r of reallocations) {
            const transfer: Transfer = { ...r, startMs: nowMs, steps: new Map() };
            // Idle guarantee lent under rule 3 has no victims to wait for.
            if (!isPool(r.from)) transfer.steps.set('VictimsReleased', 0);
            this.active.push(transfer);
        }
    }

    /** The growth gate passed `step` for `pool` at `nowMs`. */
    passed(pool: string, step: Step, nowMs: number): void {
        for (const t of this.active) {
            if (t.to === pool && !t.steps.has(step)) t.steps.set(step, nowMs - t.startMs);
        }
    }

    /** Advances the steps that the arbiter's own input shows, and finishes completed transfers. */
    observe(input: ArbiterInput, decision: Decision, nowMs: number): void {
        const readyAtGrant = (key: string): boolean => {
            const usage = input.poolUsage[key];
            const grant = decision.pools[key]?.granted;
            return usage !== undefined && grant !== undefined && usage.running - usage.notReady >= grant;
        };
        const released = (key: string): boolean => {
            const usage = input.poolUsage[key];
            const grant = decision.pools[key]?.granted;
            return usage === undefined || grant === undefined || usage.running <= grant;
        };

        const still: Transfer[] = [];
        for (const t of this.active) {
            const since = nowMs - t.startMs;
            if (!t.steps.has('VictimsReleased') && released(t.from)) t.steps.set('VictimsReleased', since);
            // A taker that went away (its pool deleted, or capacity that went nowhere) ends the transfer.
            const gone = t.to === null || decision.pools[t.to] === undefined;
            if (gone || (t.steps.has('VictimsReleased') && readyAtGrant(t.to))) {
                if (!gone) t.steps.set('MachinesReady', since);
                this.finish(t, nowMs);
            } else if (since > GIVE_UP_MS) {
                this.finish(t, nowMs);
            } else {
                still.push(t);
            }
        }
        this.active = still;
    }

    /** The records of the transfers that touched `pool`, newest first, at most five. */
    records(pool: string, tenantOf: (key: string) => string): ReallocationRecord[] {
        const touching = [...this.active, ...(this.finished.get(pool) ?? [])].filter(
            (t) => t.to === pool || t.from === pool,
        );
        return touching
            .sort((a, b) => b.startMs - a.startMs)
            .slice(0, 5)
            .map((t) => record(t, pool, tenantOf));
    }

    /** Transfers not finished yet. */
    inFlight(): readonly Transfer[] {
        return this.active;
    }

    private finish(transfer: Transfer, nowMs: number): void {
        transfer.finishedMs = nowMs;
        for (const key of [transfer.from, transfer.to]) {
            if (key === null) continue;
            const list = [transfer, ...(this.finished.get(key) ?? [])].slice(0, 5);
            this.finished.set(key, list);
        }
        this.onFinished(transfer);
    }
}

/** Merges fresh records into those a pool's status already has (from an earlier leader), newest first. */
export function mergeRecords(
    existing: readonly ReallocationRecord[],
    fresh: readonly ReallocationRecord[],
): ReallocationRecord[] {
    const id = (r: ReallocationRecord) => `${r.time} ${r.direction} ${r.peer} ${r.rule}`;
    const byId = new Map(existing.map((r) => [id(r), r]));
    for (const r of fresh) byId.set(id(r), r);
    return [...byId.values()].sort((a, b) => Date.parse(b.time) - Date.parse(a.time)).slice(0, 5);
}

function record(t: Transfer, pool: string, tenantOf: (key: string) => string): ReallocationRecord {
    const gained = t.to === pool;
    const peer = gained ? t.from : (t.to ?? '(capacity)');
    return {
        time: timestamp(t.startMs),
        rule: RULE_NAMES[t.rule],
        direction: gained ? 'Gained' : 'Released',
        peer: peer.includes('/') ? `${tenantOf(peer)}/${peer}` : peer,
        machines: t.replicas,
        steps: STEPS.filter((s) => t.steps.has(s)).map((name) => ({
            name,
            seconds: Math.round((t.steps.get(name) ?? 0) / 100) / 10,
        })),
    };
}
