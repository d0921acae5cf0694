import type { StabilitySettings } from '../../arbiter/settings.ts';
import type {
    ArbiterInput,
    PoolDemand,
    PoolGrant,
    PoolUsage,
    TenantDemand,
    TenantUsage,
} from '../../arbiter/types.ts';
import { add, sub, nonNegative, ZERO, type Resources } from '../../arbiter/vector.ts';
import { objectKey } from '../../runtime/kube-object.ts';
import { POOL_LABEL } from '../elasticpool/types.ts';
import { isPaused } from '../shared/paused.ts';
import { fromSpec } from '../shared/resources.ts';
import type { Tenant } from '../tenant/types.ts';
import type { NameOrId, VirtualMachine } from '../virtualmachine/types.ts';
import { previousGrant, type ArbitratedPool } from './grants.ts';

/** Everything one arbitration reads, taken from the caches and the last observations. */
export interface ArbitrationView {
    tenants: readonly Tenant[];
    pools: readonly ArbitratedPool[];
    machines: readonly VirtualMachine[];
    /** What servers outside pools hold, by project (the server index). */
    holdingByProject: (isPoolReplica: (ownerUid: string) => boolean) => Map<string, Resources>;
    /** Summed capacity of the arbitrated hypervisors (Placement), before servers without a Tenant. */
    capacity: Resources;
    /** One server of a flavor, or undefined while the flavor is unknown. */
    flavorSize: (ref: NameOrId) => Resources | undefined;
    /** The pool's effective desired replicas and floor at `nowMs` (DESIGN.md). */
    desiredOf: (pool: ArbitratedPool, nowMs: number) => { desired: number; floor: number };
    nowMs: number;
    settings: StabilitySettings;
}

/** Why a pool was left out of this arbitration. */
export interface Skipped {
    pool: string;
    reason: 'TenantNotReady' | 'FlavorUnknown';
}

/**
 * The arbiter's input from what the operator observes. Tenants count once their project is known;
 * a pool counts once its Tenant does and its flavor is known. Fixed usage is what servers of the
 * tenant's project hold outside pools; claims are the tenant's standalone machines not yet placed.
 */
export function arbiterInput(view: ArbitrationView): { input: ArbiterInput; skipped: Skipped[] } {
    const tenants = view.tenants.filter(
        (t) => t.status?.projectID !== undefined && t.metadata?.deletionTimestamp === undefined,
    );
    const byName = new Map(tenants.map((t) => [t.metadata?.name ?? '', t]));
    const children = childrenByPool(view.machines);
    const replicaUids = new Set<string>();
    for (const list of children.values()) for (const m of list) replicaUids.add(m.metadata?.uid ?? '');

    const skipped: Skipped[] = [];
    const pools: PoolDemand[] = [];
    const poolUsage: Record<string, PoolUsage> = {};
    const previous: Record<string, PoolGrant> = {};
    for (const pool of view.pools) {
        const key = objectKey(pool);
        const tenant = byName.get(pool.spec?.tenant ?? '');
        if (tenant === undefined) {
            skipped.push({ pool: key, reason: 'TenantNotReady' });
            continue;
        }
        const flavor = view.flavorSize(pool.spec?.template?.spec?.flavor ?? {});
        if (flavor === undefined) {
            skipped.push({ pool: key, reason: 'FlavorUnknown' });
            continue;
        }
        pools.push(poolDemand(pool, tenant, flavor, view));
        poolUsage[key] = usageOf(children.get(key) ?? []);
        const grant = previousGrant(pool);
        if (grant !== undefined) previous[key] = grant;
    }

    const holding = view.holdingByProject((uid) => replicaUids.has(uid));
    const tenantUsage: Record<string, TenantUsage> = {};
    let tenantHeld: Resources = ZERO;
    for (const tenant of tenants) {
        const fixed = holding.get(tenant.status?.projectID ?? '') ?? ZERO;
        tenantHeld = add(tenantHeld, fixed);
        tenantUsage[tenant.metadata?.name ?? ''] = { fixed, claims: claimsOf(tenant, view) };
    }

    // Servers of projects without a Tenant are not Bascule's to arbitrate: their capacity is gone.
    let outside: Resources = ZERO;
    for (const held of holding.values()) outside = add(outside, held);
    outside = nonNegative(sub(outside, tenantHeld));

    return {
        input: {
            tenants: tenants.map(tenantDemand),
            pools,
            tenantUsage,
            poolUsage,
            capacity: nonNegative(sub(view.capacity, outside)),
            previous,
            nowMs: view.nowMs,
            settings: view.settings,
        },
        skipped,
    };
}

function tenantDemand(tenant: Tenant): TenantDemand {
    const spec = tenant.spec ?? {};
    return {
        name: tenant.metadata?.name ?? '',
        guarantee: fromSpec(spec.guarantee),
        borrowingLimit: fromSpec(spec.borrowingLimit),
        ...(spec.lendingLimit === undefined ? {} : { lendingLimit: fromSpec(spec.lendingLimit) }),
        maxPriority: spec.maxPriority ?? 0,
        mayPreemptGuarantees: spec.mayPreemptGuarantees ?? false,
        createdAtMs: createdAt(tenant),
    };
}

function poolDemand(pool: ArbitratedPool, tenant: Tenant, flavor: Resources, view: ArbitrationView) {
    const { desired, floor } = view.desiredOf(pool, view.nowMs);
    const namespace = pool.metadata?.namespace ?? '';
    const allowed = (tenant.spec?.namespaces ?? []).includes(namespace);
    const demand: PoolDemand = {
        key: objectKey(pool),
        tenant: tenant.metadata?.name ?? '',
        priority: pool.spec?.priority ?? 0,
        floor,
        desired,
        flavor,
        releaseAction: pool.spec?.releaseAction ?? 'Delete',
        createdAtMs: createdAt(pool),
        // A paused pool, or one whose namespace the Tenant no longer lists, is never a victim.
        fixed: isPaused(pool) || !allowed,
    };
    return demand;
}

function childrenByPool(machines: readonly VirtualMachine[]): Map<string, VirtualMachine[]> {
    const byPool = new Map<string, VirtualMachine[]>();
    for (const machine of machines) {
        const pool = machine.metadata?.labels?.[POOL_LABEL];
        if (pool === undefined) continue;
        const key = `${machine.metadata?.namespace ?? ''}/${pool}`;
        const list = byPool.get(key) ?? [];
        list.push(machine);
        byPool.set(key, list);
    }
    return byPool;
}

/** Running counts every child that holds (or is about to hold) capacity, ready or not. */
function usageOf(children: readonly VirtualMachine[]): PoolUsage {
    let running = 0;
    let parked = 0;
    let notReady = 0;
    for (const child of children) {
        if (child.metadata?.deletionTimestamp !== undefined) continue;
        if (isParked(child)) {
            parked++;
            continue;
        }
        running++;
        if (!isReady(child)) notReady++;
    }
    return { running, parked, notReady };
}

/** Standalone machines of the tenant that have no server yet: claims within its guarantee. */
function claimsOf(tenant: Tenant, view: ArbitrationView): Resources {
    const name = tenant.metadata?.name;
    let claims: Resources = ZERO;
    for (const machine of view.machines) {
        if (machine.spec.tenant !== name || machine.metadata?.labels?.[POOL_LABEL] !== undefined) continue;
        if (machine.metadata?.deletionTimestamp !== undefined || machine.status?.serverID !== undefined)
            continue;
        if (machine.spec.adopt !== undefined) continue;
        const size = view.flavorSize(machine.spec.flavor);
        if (size !== undefined) claims = add(claims, size);
    }
    return claims;
}

export function isParked(machine: VirtualMachine): boolean {
    return (machine.spec as { parked?: boolean }).parked === true;
}

export function isReady(machine: VirtualMachine): boolean {
    return (machine.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function createdAt(obj: { metadata?: { creationTimestamp?: string | Date } }): number {
    const at = obj.metadata?.creationTimestamp;
    const ms = at === undefined ? NaN : new Date(at).getTime();
    return Number.isFinite(ms) ? ms : 0;
}
