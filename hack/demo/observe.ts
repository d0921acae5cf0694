// Reads the demo's pools and Tenants and compares them with a scenario's end state.
import type { CustomObjectsApi } from '@kubernetes/client-node';

import { POOLS, TENANTS, type EndState, type PoolName, type Quota, type TenantName } from './scenarios.ts';

const GROUP = { group: 'bascule.io', version: 'v1alpha1' };

/** One transfer as a pool's status records it. */
export interface ReallocationRecord {
    time: string;
    rule: string;
    direction: 'Gained' | 'Released';
    peer: string;
    machines: number;
    steps: { name: string; seconds: number }[];
}

interface PoolStatus {
    replicas?: number;
    readyReplicas?: number;
    parkedReplicas?: number;
    granted?: number;
    reallocations?: ReallocationRecord[];
}

interface TenantStatus {
    arbitration?: { effective?: Quota };
    appliedQuota?: Quota;
    usage?: Quota;
}

/** What the pools and Tenants report now. */
export interface Observed {
    pools: Record<PoolName, PoolStatus>;
    tenants: Record<TenantName, TenantStatus>;
}

/** The pools' namespaces are their tenant's name in the demo samples. */
export const POOL_TENANT: Record<PoolName, TenantName> = {
    'elections-web': 'elections',
    'alerts-front': 'alerts',
    'analytics-batch': 'analytics',
};

export async function observe(api: CustomObjectsApi, suffix = ''): Promise<Observed> {
    const pools = {} as Record<PoolName, PoolStatus>;
    for (const pool of POOLS) {
        const namespace = `${POOL_TENANT[pool]}${suffix}`;
        const obj = (await api.getNamespacedCustomObject({
            ...GROUP,
            plural: 'elasticpools',
            namespace,
            name: `${pool}${suffix}`,
        })) as { status?: PoolStatus };
        pools[pool] = obj.status ?? {};
    }
    const tenants = {} as Record<TenantName, TenantStatus>;
    for (const tenant of TENANTS) {
        const obj = (await api.getClusterCustomObject({
            ...GROUP,
            plural: 'tenants',
            name: `${tenant}${suffix}`,
        })) as { status?: TenantStatus };
        tenants[tenant] = obj.status ?? {};
    }
    return { pools, tenants };
}

/** How `observed` differs from `expected`, one line each; empty once converged. */
export function differences(observed: Observed, expected: EndState): string[] {
    const out: string[] = [];
    for (const pool of POOLS) {
        const s = observed.pools[pool];
        const running = expected.running[pool];
        const parked = expected.parked[pool];
        if (s.replicas !== running || s.readyReplicas !== running) {
            out.push(
                `${pool}: ${String(s.readyReplicas ?? 0)}/${String(s.replicas ?? 0)} ready, want ${String(running)}`,
            );
        }
        if ((s.parkedReplicas ?? 0) !== parked) {
            out.push(`${pool}: ${String(s.parkedReplicas ?? 0)} parked, want ${String(parked)}`);
        }
    }
    for (const tenant of TENANTS) {
        const s = observed.tenants[tenant];
        const effective = s.arbitration?.effective;
        if (!same(effective, expected.effective[tenant])) {
            out.push(
                `${tenant}: effective quota ${show(effective)}, want ${show(expected.effective[tenant])}`,
            );
        }
        if (!same(s.appliedQuota, expected.applied[tenant])) {
            out.push(
                `${tenant}: applied quota ${show(s.appliedQuota)}, want ${show(expected.applied[tenant])}`,
            );
        }
    }
    return out;
}

function same(a: Quota | undefined, b: Quota): boolean {
    return a?.instances === b.instances && a.cores === b.cores && a.ramMiB === b.ramMiB;
}

export function show(q: Quota | undefined): string {
    if (q === undefined) return 'none';
    return `${String(q.instances)} instances/${String(q.cores)} cores/${String(q.ramMiB)} MiB`;
}
