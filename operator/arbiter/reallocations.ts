import type { Lending } from './lending.ts';
import type { Ledger, PoolEntry } from './ledger.ts';
import type { Reallocation } from './types.ts';
import { machinesCovering, nonNegative, sub, times, type Resources } from './vector.ts';

/**
 * Rule 4's transfers: each pool's reclaimed machines, lowest priority first, go to the pools whose floor
 * and guarantee grants grew since the previous run, highest priority first. What no such pool explains
 * (fixed usage grew, the capacity shrank) is reported with `to: null`.
 */
export function reclaimTransfers(ledger: Ledger): Reallocation[] {
    const takers = ledger.pools
        .map((pool) => ({ pool, need: guaranteedGrowth(pool) }))
        .filter((t) => t.need.instances > 0 || t.need.cores > 0 || t.need.ramMiB > 0);

    const transfers: Reallocation[] = [];
    for (const giver of [...ledger.pools].reverse()) {
        let left = giver.reclaimed;
        for (const taker of takers) {
            if (left === 0) break;
            const count = machinesCovering(taker.need, giver.demand.flavor, left);
            if (count === 0) continue;
            taker.need = nonNegative(sub(taker.need, times(giver.demand.flavor, count)));
            transfers.push({ rule: 4, from: giver.demand.key, to: taker.pool.demand.key, replicas: count });
            left -= count;
        }
        if (left > 0) transfers.push({ rule: 4, from: giver.demand.key, to: null, replicas: left });
    }
    return transfers;
}

function guaranteedGrowth(pool: PoolEntry): Resources {
    const before = (pool.previous?.floor ?? 0) + (pool.previous?.guaranteed ?? 0);
    const growth = Math.max(0, pool.floor + pool.guaranteed - before);
    return times(pool.demand.flavor, growth);
}

/** Rule 3's new lending: what each lender gives a borrower beyond what it gave in the previous run. */
export function lendingTransfers(ledger: Ledger, lending: Lending): Reallocation[] {
    const transfers: Reallocation[] = [];
    for (const pool of ledger.pools) {
        const now = lending.lentBy.get(pool.demand.key) ?? {};
        const before = pool.previous?.lentBy ?? {};
        for (const [lender, count] of Object.entries(now)) {
            const grown = count - (before[lender] ?? 0);
            if (grown > 0) transfers.push({ rule: 3, from: lender, to: pool.demand.key, replicas: grown });
        }
    }
    return transfers;
}
