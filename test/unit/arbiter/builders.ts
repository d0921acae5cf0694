import { DEMO_SETTINGS } from '../../../operator/arbiter/settings.ts';
import type { ArbiterInput, PoolDemand, PoolUsage, TenantDemand } from '../../../operator/arbiter/types.ts';
import { ZERO } from '../../../operator/arbiter/vector.ts';
import { m, pool } from './demo-cloud.ts';

/** A tenant in machines of m1.medium; `createdAtMs` orders lenders' ties. */
export function tenant(name: string, over: Partial<TenantDemand> = {}): TenantDemand {
    return {
        name,
        guarantee: ZERO,
        borrowingLimit: ZERO,
        maxPriority: 1000,
        mayPreemptGuarantees: false,
        createdAtMs: 0,
        ...over,
    };
}

export { pool };

/** An input with no previous grants at time 0; pools run what they are given in `running`. */
export function input(
    capacity: number,
    tenants: TenantDemand[],
    pools: PoolDemand[],
    running: Record<string, number> = {},
): ArbiterInput {
    const poolUsage: Record<string, PoolUsage> = {};
    for (const p of pools) poolUsage[p.key] = { running: running[p.key] ?? 0, parked: 0, notReady: 0 };
    return {
        tenants,
        pools,
        tenantUsage: {},
        poolUsage,
        capacity: m(capacity),
        previous: {},
        nowMs: 0,
        settings: DEMO_SETTINGS,
    };
}

export function grants(decision: {
    pools: Readonly<Record<string, { granted: number }>>;
}): Record<string, number> {
    return Object.fromEntries(Object.entries(decision.pools).map(([k, p]) => [k, p.granted]));
}
