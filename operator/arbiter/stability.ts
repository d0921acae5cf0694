import type { PoolEntry } from './ledger.ts';
import type { StabilitySettings } from './settings.ts';

/** When the pool's demand last changed: kept from the previous grant while the demand is the same. */
export function desiredSince(pool: PoolEntry, nowMs: number): number {
    const previous = pool.previous;
    return previous?.desired === pool.wanted ? previous.desiredSinceMs : nowMs;
}

/** Rule 7: demand must stay changed for the hysteresis period before it takes another borrower's grant. */
export function demandSettled(pool: PoolEntry, nowMs: number, settings: StabilitySettings): boolean {
    return nowMs - desiredSince(pool, nowMs) >= settings.hysteresisMs;
}

/** Rule 7: between borrowers of equal priority, a grant younger than the minimum residency is not taken. */
export function residencyServed(pool: PoolEntry, nowMs: number, settings: StabilitySettings): boolean {
    const since = pool.previous?.grantedAtMs ?? nowMs;
    return nowMs - since >= settings.minimumResidencyMs;
}

/** Reclaim times still relevant: a backoff can only start from one of the last two windows. */
export function recentReclaims(pool: PoolEntry, nowMs: number, settings: StabilitySettings): number[] {
    const horizon = nowMs - 2 * settings.reclaimBackoffWindowMs;
    const history = (pool.previous?.reclaimsMs ?? []).filter((t) => t > horizon);
    return pool.reclaimed > 0 ? [...history, nowMs] : history;
}

/**
 * Rule 7: a pool reclaimed N times within T backs off for T from the N-th reclaim: it keeps what it
 * borrows but borrows no more (a reclaim in this very run counts). Reclaim and emergency preemption
 * are not held back by this.
 */
export function backedOff(pool: PoolEntry, nowMs: number, settings: StabilitySettings): boolean {
    const { reclaimBackoffCount: count, reclaimBackoffWindowMs: window } = settings;
    const history = recentReclaims(pool, nowMs, settings).sort((a, b) => a - b);
    if (count <= 0) return false;

    let until = Number.NEGATIVE_INFINITY;
    for (let last = count - 1; last < history.length; last++) {
        const end = history[last] ?? 0;
        const start = history[last - count + 1] ?? 0;
        if (end - start <= window) until = Math.max(until, end + window);
    }
    return nowMs < until;
}
