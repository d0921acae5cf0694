import { grantBorrowing } from './borrowing.ts';
import { preemptGuarantees } from './emergency.ts';
import { freezeAtRunning, grantFloors, guaranteesExceedCapacity } from './floors.ts';
import { grantGuarantees } from './guarantees.ts';
import { granted, openLedger, type Ledger, type PoolEntry } from './ledger.ts';
import { attributeLending, type Lending } from './lending.ts';
import { effectiveQuota } from './quota.ts';
import { lendingTransfers, reclaimTransfers } from './reallocations.ts';
import { desiredSince, recentReclaims } from './stability.ts';
import type {
    ArbiterInput,
    Decision,
    PoolDecision,
    Reallocation,
    TenantArbitration,
    TenantCondition,
} from './types.ts';
import { nonNegative, sub, ZERO } from './vector.ts';
import { planActions } from './victims.ts';

const NO_ACTIONS = { shelve: 0, deleteRunning: 0, deleteParked: 0, unshelve: 0, create: 0 };

/**
 * Capacity arbitration (ARBITER.md): grants, per pool, how many machines may run, and per tenant what it
 * holds, borrows, lends and may use as quota, with the transfers made and each pool's next actions.
 *
 * Pure and deterministic: the result depends only on `input` (the clock is `input.nowMs`), and running it
 * again with `previous` set to the returned `pools` at the same clock returns the same grants and quotas
 * and no reallocations. Pools whose tenant is not among `input.tenants` are left out of the decision.
 */
export function arbitrate(input: ArbiterInput): Decision {
    const ledger = openLedger(input);
    const conditions = grantFloors(ledger);
    if (guaranteesExceedCapacity(ledger)) {
        for (const list of conditions.values()) list.push('GuaranteesExceedCapacity');
    }

    const frozen = [...conditions.values()].some((list) => list.includes('FloorsExceedCapacity'));
    let moves: Reallocation[] = [];
    let preemptions: Reallocation[] = [];
    if (frozen) {
        freezeAtRunning(ledger);
    } else {
        grantGuarantees(ledger);
        moves = grantBorrowing(ledger);
        preemptions = preemptGuarantees(ledger);
    }

    const lending = attributeLending(ledger, preemptions);
    return {
        pools: poolDecisions(ledger, lending),
        tenants: tenantDecisions(ledger, lending, conditions),
        reallocations: [
            ...reclaimTransfers(ledger),
            ...moves,
            ...lendingTransfers(ledger, lending),
            ...preemptions.filter((move) => preemptionGrew(ledger, move)),
        ],
    };
}

/**
 * Rule 5 is recomputed every run, so a standing preemption reappears: only a taker whose preempted
 * machines grew reports its transfers (all of them, since victims keep no record of their takers).
 */
function preemptionGrew(ledger: Ledger, move: Reallocation): boolean {
    const taker = ledger.pools.find((p) => p.demand.key === move.to);
    return taker !== undefined && taker.preempting > (taker.previous?.preempting ?? 0);
}

function poolDecisions(ledger: Ledger, lending: Lending): Record<string, PoolDecision> {
    const decisions: Record<string, PoolDecision> = {};
    for (const pool of ledger.pools) decisions[pool.demand.key] = poolDecision(ledger, pool, lending);
    return decisions;
}

function poolDecision(ledger: Ledger, pool: PoolEntry, lending: Lending): PoolDecision {
    const { nowMs, settings, poolUsage } = ledger.input;
    const count = granted(pool);
    const previous = pool.previous;
    const usage = poolUsage[pool.demand.key] ?? { running: 0, parked: 0, notReady: 0 };

    return {
        granted: count,
        floor: pool.floor,
        guaranteed: pool.guaranteed,
        borrowed: pool.borrowed,
        preempting: pool.preempting,
        grantedAtMs: previous?.granted === count ? previous.grantedAtMs : nowMs,
        desired: pool.wanted,
        desiredSinceMs: desiredSince(pool, nowMs),
        reclaimsMs: recentReclaims(pool, nowMs, settings),
        lentBy: lending.lentBy.get(pool.demand.key) ?? {},
        actions: pool.demand.fixed
            ? NO_ACTIONS
            : planActions(count, pool.wanted, usage, pool.demand.releaseAction),
    };
}

function tenantDecisions(
    ledger: Ledger,
    lending: Lending,
    conditions: ReadonlyMap<string, TenantCondition[]>,
): Record<string, TenantArbitration> {
    const decisions: Record<string, TenantArbitration> = {};
    for (const [name, tenant] of ledger.tenants) {
        const guarantee = tenant.demand.guarantee;
        const borrowed = nonNegative(sub(tenant.held, guarantee));
        const lent = lending.lent.get(name) ?? ZERO;
        decisions[name] = {
            held: tenant.held,
            borrowed,
            lent,
            effective: effectiveQuota(guarantee, borrowed, lent),
            conditions: conditions.get(name) ?? [],
        };
    }
    return decisions;
}
