import type { StabilitySettings } from './settings.ts';
import type { Resources } from './vector.ts';

/** A Tenant as the arbiter sees it (declared by the platform team). Times are epoch milliseconds. */
export interface TenantDemand {
    readonly name: string;
    readonly guarantee: Resources;
    readonly borrowingLimit: Resources;
    /** How much idle guarantee may be lent; absent: all of it. */
    readonly lendingLimit?: Resources;
    readonly maxPriority: number;
    readonly mayPreemptGuarantees: boolean;
    readonly createdAtMs: number;
}

export type ReleaseAction = 'Delete' | 'Shelve';

/** An ElasticPool as the arbiter sees it. `key` is `namespace/name`. */
export interface PoolDemand {
    readonly key: string;
    readonly tenant: string;
    /** Declared priority; the arbiter clamps it to the tenant's `maxPriority`. */
    readonly priority: number;
    readonly floor: number;
    /** Effective desired replicas (DESIGN.md); a value below the floor counts as the floor. */
    readonly desired: number;
    readonly flavor: Resources;
    readonly releaseAction: ReleaseAction;
    readonly createdAtMs: number;
    /** Paused, or its namespace was removed from the Tenant: its running machines are fixed usage. */
    readonly fixed: boolean;
}

/** What a tenant's project holds outside pools: fixed usage and claims (ARBITER.md, "Terms"). */
export interface TenantUsage {
    readonly fixed: Resources;
    /** Claims within the guarantee: unplaced standalone machines, resize and surge extras. */
    readonly claims: Resources;
}

/** A pool's machines as observed. `running` counts every machine that holds capacity, ready or not. */
export interface PoolUsage {
    readonly running: number;
    readonly parked: number;
    readonly notReady: number;
}

/** Machines of a pool's grant taken from each source under rule 3: a lender tenant, or `UNGUARANTEED`. */
export type Attribution = Readonly<Record<string, number>>;

export const UNGUARANTEED = '(unguaranteed)';

/**
 * A pool's grant, split by the rule that made it, with what stability needs next time.
 * The arbiter returns these and takes them back as `previous`.
 */
export interface PoolGrant {
    readonly granted: number;
    readonly floor: number;
    readonly guaranteed: number;
    readonly borrowed: number;
    /** Machines taken from other tenants' guarantees under rule 5. */
    readonly preempting: number;
    readonly grantedAtMs: number;
    readonly desired: number;
    readonly desiredSinceMs: number;
    readonly reclaimsMs: readonly number[];
    readonly lentBy: Attribution;
}

export interface ArbiterInput {
    readonly tenants: readonly TenantDemand[];
    readonly pools: readonly PoolDemand[];
    readonly tenantUsage: Readonly<Record<string, TenantUsage>>;
    readonly poolUsage: Readonly<Record<string, PoolUsage>>;
    readonly capacity: Resources;
    readonly previous: Readonly<Record<string, PoolGrant>>;
    readonly nowMs: number;
    readonly settings: StabilitySettings;
}

export type TenantCondition = 'FloorsExceedGuarantee' | 'FloorsExceedCapacity' | 'GuaranteesExceedCapacity';

/** A tenant's arbitration block (`status.arbitration`). */
export interface TenantArbitration {
    readonly held: Resources;
    readonly borrowed: Resources;
    readonly lent: Resources;
    /** `G + borrowed − lent`: the quota before Nova's counted usage is taken into account. */
    readonly effective: Resources;
    readonly conditions: readonly TenantCondition[];
}

/** What a pool does next to reach its grant (rule 6). */
export interface PoolActions {
    /** Running machines to give up, by `releaseAction` (those past the desired count are deleted). */
    readonly shelve: number;
    readonly deleteRunning: number;
    readonly deleteParked: number;
    readonly unshelve: number;
    readonly create: number;
}

export interface PoolDecision extends PoolGrant {
    readonly actions: PoolActions;
}

/** One transfer: `from` (a pool key, or a lender tenant under rule 3) gives `replicas` to `to`. */
export interface Reallocation {
    readonly rule: 3 | 4 | 5;
    readonly from: string;
    /** A pool key, or null when the capacity went nowhere in particular (capacity shrank). */
    readonly to: string | null;
    /** In machines of the giver's flavor, except for rule 3 lenders (machines of the borrower's). */
    readonly replicas: number;
}

export interface Decision {
    readonly pools: Readonly<Record<string, PoolDecision>>;
    readonly tenants: Readonly<Record<string, TenantArbitration>>;
    readonly reallocations: readonly Reallocation[];
}
