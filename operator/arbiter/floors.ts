import { hold, type Ledger } from './ledger.ts';
import type { TenantCondition } from './types.ts';
import { fitsIn, sum, ZERO } from './vector.ts';

/**
 * Rule 1: grants every pool its floor. Returns the conditions each tenant gets from it: a tenant whose
 * fixed usage, claims and floors pass its guarantee says `FloorsExceedGuarantee`; when they all pass the
 * capacity, every tenant says `FloorsExceedCapacity` (the caller then makes no new grant).
 */
export function grantFloors(ledger: Ledger): Map<string, TenantCondition[]> {
    const conditions = new Map<string, TenantCondition[]>();
    for (const name of ledger.tenants.keys()) conditions.set(name, []);

    for (const pool of ledger.pools) {
        if (pool.demand.fixed) continue;
        pool.floor = pool.demand.floor;
        hold(ledger, pool, pool.floor);
    }

    for (const [name, tenant] of ledger.tenants) {
        if (!fitsIn(tenant.held, tenant.demand.guarantee))
            conditions.get(name)?.push('FloorsExceedGuarantee');
    }

    if (!fitsIn(ZERO, ledger.free)) {
        for (const list of conditions.values()) list.push('FloorsExceedCapacity');
    }
    return conditions;
}

/** True when the guarantees of all tenants together exceed the capacity in some dimension (rule 2). */
export function guaranteesExceedCapacity(ledger: Ledger): boolean {
    const guarantees = sum([...ledger.tenants.values()].map((t) => t.demand.guarantee));
    return !fitsIn(guarantees, ledger.input.capacity);
}

/**
 * Rule 1's "nothing running is preempted, no new grant is made": each pool keeps the machines it runs,
 * up to what it still wants, and nothing more.
 */
export function freezeAtRunning(ledger: Ledger): void {
    for (const pool of ledger.pools) {
        if (pool.demand.fixed) continue;
        const running = ledger.input.poolUsage[pool.demand.key]?.running ?? 0;
        const keep = Math.min(running, pool.wanted);
        hold(ledger, pool, -pool.floor);
        pool.floor = Math.min(pool.floor, keep);
        pool.guaranteed = keep - pool.floor;
        hold(ledger, pool, keep);
    }
    for (const tenant of ledger.tenants.values()) tenant.heldAfterGuarantees = tenant.held;
}
