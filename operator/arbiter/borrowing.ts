import { comparePools, hold, tenantRoom, unmet, type Ledger, type PoolEntry } from './ledger.ts';
import { backedOff, demandSettled, residencyServed } from './stability.ts';
import type { Reallocation } from './types.ts';
import { add, min, sub, times, wholeMachines } from './vector.ts';

/** How many more machines rule 3 could give the pool now: free, borrowable and within `G + B`. */
function borrowRoom(ledger: Ledger, pool: PoolEntry): number {
    const room = min(min(ledger.free, ledger.borrowable), tenantRoom(pool));
    return wholeMachines(room, pool.demand.flavor);
}

function borrow(ledger: Ledger, pool: PoolEntry, count: number): void {
    pool.borrowed += count;
    hold(ledger, pool, count);
    ledger.borrowable = sub(ledger.borrowable, times(pool.demand.flavor, count));
}

/**
 * Rules 3 and 4: keeps what pools borrowed before, in arbitration order, so that what rules 1 and 2 now
 * claim is taken back from the lowest priority first (rule 4, recorded in `reclaimed`); then gives what
 * is still free to unmet demand, and moves borrowed grants between borrowers as rule 7 allows.
 */
export function grantBorrowing(ledger: Ledger): Reallocation[] {
    keepIncumbents(ledger);

    const moves: Reallocation[] = [];
    for (let changed = true; changed;) {
        growIntoFree(ledger);
        changed = moveBetweenBorrowers(ledger, moves);
    }
    return moves;
}

function keepIncumbents(ledger: Ledger): void {
    for (const pool of ledger.pools) {
        const before = pool.previous?.borrowed ?? 0;
        const incumbent = Math.min(before, unmet(pool), wholeMachines(tenantRoom(pool), pool.demand.flavor));
        const kept = Math.min(incumbent, borrowRoom(ledger, pool));
        borrow(ledger, pool, kept);
        pool.reclaimed = incumbent - kept;
    }
}

function growIntoFree(ledger: Ledger): void {
    const { nowMs, settings } = ledger.input;
    for (const pool of ledger.pools) {
        if (backedOff(pool, nowMs, settings)) continue;
        borrow(ledger, pool, Math.min(unmet(pool), borrowRoom(ledger, pool)));
    }
}

/** A grant `victim` holds under rule 3 that `taker` may take (rule 7): lower priority, or equal and older. */
function mayTake(ledger: Ledger, taker: PoolEntry, victim: PoolEntry): boolean {
    if (victim === taker || victim.borrowed === 0 || comparePools(taker, victim) >= 0) return false;
    if (victim.priority < taker.priority) return true;
    return residencyServed(victim, ledger.input.nowMs, ledger.input.settings);
}

function moveBetweenBorrowers(ledger: Ledger, moves: Reallocation[]): boolean {
    const { nowMs, settings } = ledger.input;
    let changed = false;
    for (const taker of ledger.pools) {
        if (unmet(taker) === 0 || backedOff(taker, nowMs, settings)) continue;
        if (!demandSettled(taker, nowMs, settings)) continue;

        // Lowest priority and newest borrowers give first.
        for (const victim of [...ledger.pools].reverse()) {
            if (unmet(taker) === 0) break;
            if (!mayTake(ledger, taker, victim)) continue;
            const moved = moveFrom(ledger, taker, victim);
            if (moved.taken > 0)
                moves.push({ rule: 3, from: victim.demand.key, to: taker.demand.key, replicas: moved.given });
            changed ||= moved.taken > 0;
        }
    }
    return changed;
}

/** Frees the fewest of the victim's borrowed machines that let the taker grow as much as it can. */
function moveFrom(ledger: Ledger, taker: PoolEntry, victim: PoolEntry): { given: number; taken: number } {
    const want = Math.min(unmet(taker), wholeMachines(tenantRoom(taker), taker.demand.flavor));
    const target = Math.min(want, borrowRoomAfter(ledger, taker, victim, victim.borrowed));
    if (target <= borrowRoom(ledger, taker)) return { given: 0, taken: 0 };

    let given = 1;
    while (borrowRoomAfter(ledger, taker, victim, given) < target) given++;
    borrow(ledger, victim, -given);
    borrow(ledger, taker, target);
    return { given, taken: target };
}

function borrowRoomAfter(ledger: Ledger, taker: PoolEntry, victim: PoolEntry, given: number): number {
    const freed = times(victim.demand.flavor, given);
    const own = taker.tenant === victim.tenant ? add(tenantRoom(taker), freed) : tenantRoom(taker);
    const room = min(min(add(ledger.free, freed), add(ledger.borrowable, freed)), own);
    return wholeMachines(room, taker.demand.flavor);
}
