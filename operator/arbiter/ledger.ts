import type { ArbiterInput, PoolDemand, PoolGrant, TenantDemand } from './types.ts';
import { add, nonNegative, sub, sum, times, ZERO, type Resources } from './vector.ts';

/** One pool during a run: its demand and the machines each rule has granted it so far. */
export interface PoolEntry {
    readonly demand: PoolDemand;
    readonly tenant: TenantEntry;
    /** Priority clamped to the tenant's `maxPriority`. */
    readonly priority: number;
    /** max(desired, floor): what the pool asks for in total. */
    readonly wanted: number;
    readonly previous: PoolGrant | undefined;
    floor: number;
    guaranteed: number;
    borrowed: number;
    preempting: number;
    /** Running machines of a paused or frozen pool: fixed usage, never arbitrated. */
    readonly pinned: number;
    /** Rule-3 machines lost to a reclaim (rule 4) in this run. */
    reclaimed: number;
}

/** One tenant during a run. `held` follows the grants made so far. */
export interface TenantEntry {
    readonly demand: TenantDemand;
    readonly mandatory: Resources;
    held: Resources;
    /** Held at the end of rule 2: what idle guarantee is measured from (rule 3). */
    heldAfterGuarantees: Resources;
}

/** The mutable working state of one `arbitrate` call; nothing outside the call ever sees it. */
export interface Ledger {
    readonly input: ArbiterInput;
    readonly tenants: ReadonlyMap<string, TenantEntry>;
    /** Pools in arbitration order: priority, then creation time, then key. */
    readonly pools: readonly PoolEntry[];
    /** Physical capacity not held by anyone. */
    free: Resources;
    /** Capacity rule 3 may still hand out: unguaranteed plus lendable idle guarantee. */
    borrowable: Resources;
}

export function granted(pool: PoolEntry): number {
    return pool.pinned + pool.floor + pool.guaranteed + pool.borrowed + pool.preempting;
}

export function unmet(pool: PoolEntry): number {
    return pool.demand.fixed ? 0 : Math.max(0, pool.wanted - granted(pool));
}

/** What the pool's tenant may still take before reaching `G + B`. */
export function tenantRoom(pool: PoolEntry): Resources {
    const { guarantee, borrowingLimit } = pool.tenant.demand;
    return sub(add(guarantee, borrowingLimit), pool.tenant.held);
}

/** Moves `count` machines of the pool's flavor into its tenant and the cloud (out of them when negative). */
export function hold(ledger: Ledger, pool: PoolEntry, count: number): void {
    const size = times(pool.demand.flavor, count);
    pool.tenant.held = add(pool.tenant.held, size);
    ledger.free = sub(ledger.free, size);
}

/** Arbitration order (rules 2 and 3): higher priority first, then the older pool, then the key. */
export function comparePools(a: PoolEntry, b: PoolEntry): number {
    return (
        b.priority - a.priority ||
        a.demand.createdAtMs - b.demand.createdAtMs ||
        (a.demand.key < b.demand.key ? -1 : a.demand.key > b.demand.key ? 1 : 0)
    );
}

/** Older tenants first (the tie-break of lender attribution), then by name. */
export function compareTenants(a: TenantDemand, b: TenantDemand): number {
    return a.createdAtMs - b.createdAtMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Builds the ledger with fixed usage and claims held, and paused or frozen pools counted as fixed. */
export function openLedger(input: ArbiterInput): Ledger {
    const tenants = new Map<string, TenantEntry>();
    for (const demand of [...input.tenants].sort(compareTenants)) {
        const usage = input.tenantUsage[demand.name];
        const fixedPools = input.pools
            .filter((p) => p.tenant === demand.name && p.fixed)
            .map((p) => times(p.flavor, input.poolUsage[p.key]?.running ?? 0));
        const mandatory = sum([usage?.fixed ?? ZERO, usage?.claims ?? ZERO, ...fixedPools]);
        tenants.set(demand.name, { demand, mandatory, held: mandatory, heldAfterGuarantees: mandatory });
    }

    const pools: PoolEntry[] = [];
    for (const demand of input.pools) {
        const tenant = tenants.get(demand.tenant);
        if (!tenant) continue;
        pools.push(newPoolEntry(input, demand, tenant));
    }
    pools.sort(comparePools);

    const held = sum([...tenants.values()].map((t) => t.held));
    return { input, tenants, pools, free: sub(input.capacity, held), borrowable: ZERO };
}

function newPoolEntry(input: ArbiterInput, demand: PoolDemand, tenant: TenantEntry): PoolEntry {
    const fixedCount = demand.fixed ? (input.poolUsage[demand.key]?.running ?? 0) : 0;
    return {
        demand,
        tenant,
        priority: Math.min(demand.priority, tenant.demand.maxPriority),
        wanted: Math.max(demand.desired, demand.floor),
        previous: input.previous[demand.key],
        floor: 0,
        guaranteed: 0,
        borrowed: 0,
        preempting: 0,
        pinned: fixedCount,
        reclaimed: 0,
    };
}

/** Unguaranteed capacity: what the cloud holds beyond the sum of all guarantees. */
export function unguaranteed(ledger: Ledger): Resources {
    const guarantees = sum([...ledger.tenants.values()].map((t) => t.demand.guarantee));
    return nonNegative(sub(ledger.input.capacity, guarantees));
}
