import { granted, hold, unguaranteed, type Ledger, type TenantEntry } from './ledger.ts';
import { add, min, nonNegative, sub, sum, wholeMachines } from './vector.ts';

/**
 * Rule 2: shares what remains of each tenant's guarantee among its pools, by priority then creation time,
 * up to their demand. Pools are served in one global order, so when guarantees exceed the capacity they
 * are granted in priority order until the capacity is used. Ends by measuring what rule 3 may lend.
 */
export function grantGuarantees(ledger: Ledger): void {
    for (const pool of ledger.pools) {
        if (pool.demand.fixed) continue;
        const guaranteeLeft = sub(pool.tenant.demand.guarantee, pool.tenant.held);
        const room = min(guaranteeLeft, ledger.free);
        const count = Math.min(pool.wanted - granted(pool), wholeMachines(room, pool.demand.flavor));
        pool.guaranteed = Math.max(0, count);
        hold(ledger, pool, pool.guaranteed);
    }

    for (const tenant of ledger.tenants.values()) tenant.heldAfterGuarantees = tenant.held;
    ledger.borrowable = borrowableAfterGuarantees(ledger);
}

/** Idle guarantee a tenant may lend (rule 3): `max(0, G − held)` within its lending limit. */
export function lendableIdle(tenant: TenantEntry): ReturnType<typeof nonNegative> {
    const idle = nonNegative(sub(tenant.demand.guarantee, tenant.heldAfterGuarantees));
    return tenant.demand.lendingLimit ? min(idle, tenant.demand.lendingLimit) : idle;
}

/** Over-guarantee fixed usage, claims and floors come first out of what could be lent (rule 1). */
function borrowableAfterGuarantees(ledger: Ledger): ReturnType<typeof nonNegative> {
    const tenants = [...ledger.tenants.values()];
    const lendable = sum(tenants.map(lendableIdle));
    const excess = sum(tenants.map((t) => nonNegative(sub(t.heldAfterGuarantees, t.demand.guarantee))));
    return nonNegative(sub(add(unguaranteed(ledger), lendable), excess));
}
