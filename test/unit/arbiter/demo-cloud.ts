import { DEMO_SETTINGS } from '../../../operator/arbiter/settings.ts';
import type {
    ArbiterInput,
    Decision,
    PoolDemand,
    PoolUsage,
    TenantDemand,
} from '../../../operator/arbiter/types.ts';
import { resources, times, ZERO, type Resources } from '../../../operator/arbiter/vector.ts';

/** ARBITER.md's flavor: every machine of the demo is an m1.medium. */
export const M1_MEDIUM = resources(1, 2, 4096);

export function m(count: number): Resources {
    return times(M1_MEDIUM, count);
}

function tenant(name: string, createdAtMs: number, g: number, b: number, maxPriority: number): TenantDemand {
    const mayPreemptGuarantees = name === 'alerts';
    return { name, guarantee: m(g), borrowingLimit: m(b), maxPriority, mayPreemptGuarantees, createdAtMs };
}

export function pool(key: string, tenantName: string, over: Partial<PoolDemand> = {}): PoolDemand {
    return {
        key,
        tenant: tenantName,
        priority: 0,
        floor: 0,
        desired: 0,
        flavor: M1_MEDIUM,
        releaseAction: 'Delete',
        createdAtMs: 0,
        fixed: false,
        ...over,
    };
}

/** ARBITER.md's demo cloud at 1/`divisor` of its scale, in its start state (elections at its floor). */
export function demoCloud(divisor: number): ArbiterInput {
    const n = (x: number): number => x / divisor;
    return {
        tenants: [
            tenant('background', 1, n(1000), 0, 0),
            tenant('elections', 2, n(1200), 0, 100),
            tenant('alerts', 3, n(200), n(1000), 1000),
            tenant('analytics', 4, 0, n(1000), 10),
        ],
        pools: [
            pool('elections/elections-web', 'elections', {
                priority: 100,
                floor: n(200),
                desired: n(200),
                releaseAction: 'Shelve',
            }),
            pool('alerts/alerts-front', 'alerts', { priority: 1000, floor: n(10), desired: n(10) }),
            pool('analytics/analytics-batch', 'analytics', { priority: 10 }),
        ],
        tenantUsage: { background: { fixed: m(n(1000)), claims: ZERO } },
        poolUsage: {
            'elections/elections-web': { running: n(200), parked: 0, notReady: 0 },
            'alerts/alerts-front': { running: n(10), parked: 0, notReady: 0 },
            'analytics/analytics-batch': { running: 0, parked: 0, notReady: 0 },
        },
        capacity: m(n(2400)),
        previous: {},
        nowMs: 0,
        settings: DEMO_SETTINGS,
    };
}

/** The observed usage once every pool has carried out its actions. */
export function converge(input: ArbiterInput, decision: Decision): Record<string, PoolUsage> {
    const usage: Record<string, PoolUsage> = {};
    for (const [key, pool] of Object.entries(decision.pools)) {
        const a = pool.actions;
        const before = input.poolUsage[key] ?? { running: 0, parked: 0, notReady: 0 };
        const running = before.running + a.create + a.unshelve - a.shelve - a.deleteRunning;
        const parked = before.parked + a.shelve - a.unshelve - a.deleteParked;
        usage[key] = { running, parked, notReady: 0 };
    }
    return usage;
}

/** The next run: the previous decision's grants, converged usage, new desired counts, a later clock. */
export function next(
    input: ArbiterInput,
    decision: Decision,
    desired: Readonly<Record<string, number>>,
    elapsedMs = 60_000,
): ArbiterInput {
    return {
        ...input,
        pools: input.pools.map((p) =>
            p.key in desired ? { ...p, desired: desired[p.key] ?? p.desired } : p,
        ),
        poolUsage: converge(input, decision),
        previous: decision.pools,
        nowMs: input.nowMs + elapsedMs,
    };
}
