import { hold, tenantRoom, unmet, type Ledger, type PoolEntry } from './ledger.ts';
import type { Reallocation } from './types.ts';
import { add, min, sub, times, wholeMachines } from './vector.ts';

/**
 * Rule 5: a pool whose tenant may preempt guarantees takes, for its own unmet demand and never beyond its
 * tenant's `G + B`, machines granted under rule 2 to pools of other tenants with strictly lower priority
 * (above their floors: floors are never taken). Lowest priority and newest victims give first. What is
 * taken counts as lent by the victim's tenant (see lending.ts).
 */
export function preemptGuarantees(ledger: Ledger): Reallocation[] {
    const moves: Reallocation[] = [];
    for (const taker of ledger.pools) {
        if (!taker.tenant.demand.mayPreemptGuarantees || unmet(taker) === 0) continue;

        for (const victim of [...ledger.pools].reverse()) {
            if (!isVictim(taker, victim)) continue;
            const moved = preemptFrom(ledger, taker, victim);
            if (moved.given > 0)
                moves.push({ rule: 5, from: victim.demand.key, to: taker.demand.key, replicas: moved.given });
            if (unmet(taker) === 0) break;
        }
    }
    return moves;
}

function isVictim(taker: PoolEntry, victim: PoolEntry): boolean {
    return victim.tenant !== taker.tenant && victim.priority < taker.priority && victim.guaranteed > 0;
}

function roomAfter(ledger: Ledger, taker: PoolEntry, victim: PoolEntry, given: number): number {
    const freed = times(victim.demand.flavor, given);
    // Free capacity that is not borrowable (a lending limit) stays out of reach here too.
    const room = min(add(min(ledger.free, ledger.borrowable), freed), tenantRoom(taker));
    return Math.min(unmet(taker), wholeMachines(room, taker.demand.flavor));
}

function preemptFrom(ledger: Ledger, taker: PoolEntry, victim: PoolEntry): { given: number } {
    const target = roomAfter(ledger, taker, victim, victim.guaranteed);
    if (target <= roomAfter(ledger, taker, victim, 0)) return { given: 0 };

    let given = 1;
    while (roomAfter(ledger, taker, victim, given) < target) given++;
    victim.guaranteed -= given;
    hold(ledger, victim, -given);
    ledger.borrowable = add(ledger.borrowable, times(victim.demand.flavor, given));

    taker.preempting += target;
    hold(ledger, taker, target);
    ledger.borrowable = sub(ledger.borrowable, times(taker.demand.flavor, target));
    return { given };
}
