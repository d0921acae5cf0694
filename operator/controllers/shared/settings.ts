/** The reconcilers' named timings; production values here, tests pass TEST_RECONCILE_SETTINGS. */
export interface ReconcileSettings {
    /** A Tenant's quota and port quota are read again this often (drift repair). */
    quotaCheckMs: number;
    /** A machine waiting for its Tenant (not ready, namespace not listed) looks again this often. */
    dependencyRetryMs: number;
    /** A quota refusal is tried again this often (also sooner when the quota rises). */
    quotaRetryMs: number;
    /** A policy refusal (a role not yet granted) is tried again this often. */
    policyRetryMs: number;
    /** A safety net while a server builds or changes; the bulk observation normally comes first. */
    buildCheckMs: number;
    /** After an ambiguous create, wait this long before looking the server up by its owner tag. */
    settleWindowMs: number;
    /** Power state drift is restored only after it has held this long. */
    powerGraceMs: number;
    /** A Tenant deletion blocked by remaining servers looks again this often. */
    deletionRetryMs: number;
    /**
     * A pool whose machines' builds found no host deletes them and holds its growth this long
     * (doubling while it keeps happening) before asking the capacity gate again.
     */
    noHostBackoffMs: number;
    /** The sweep of this installation's servers (duplicates, orphans) runs this often. */
    sweepIntervalMs: number;
    /** Orphans are deleted once reported for this long; absent (the default), they are only reported. */
    deleteOrphansAfterMs?: number;
}

export const PRODUCTION_RECONCILE_SETTINGS: ReconcileSettings = {
    quotaCheckMs: 5 * 60_000,
    dependencyRetryMs: 30_000,
    quotaRetryMs: 60_000,
    policyRetryMs: 2 * 60_000,
    buildCheckMs: 60_000,
    settleWindowMs: 120_000,
    powerGraceMs: 60_000,
    deletionRetryMs: 30_000,
    noHostBackoffMs: 30_000,
    // A duplicate is reaped on observation, one settle window after its creation (sweep/duplicate-watch.ts);
    // the pass is the safety net for what the observation missed, and the orphans' report.
    sweepIntervalMs: 60_000,
};

/** The embedded demo: a cloud that answers in tens of seconds, and a person watching. */
export const DEMO_RECONCILE_SETTINGS: ReconcileSettings = {
    ...PRODUCTION_RECONCILE_SETTINGS,
    quotaCheckMs: 30_000,
    dependencyRetryMs: 2_000,
    quotaRetryMs: 5_000,
    policyRetryMs: 10_000,
    buildCheckMs: 15_000,
    settleWindowMs: 15_000,
    powerGraceMs: 10_000,
    deletionRetryMs: 2_000,
    noHostBackoffMs: 10_000,
    sweepIntervalMs: 7_500,
};

export const TEST_RECONCILE_SETTINGS: ReconcileSettings = {
    quotaCheckMs: 200,
    dependencyRetryMs: 50,
    quotaRetryMs: 100,
    policyRetryMs: 100,
    buildCheckMs: 200,
    settleWindowMs: 100,
    powerGraceMs: 0,
    deletionRetryMs: 50,
    noHostBackoffMs: 200,
    sweepIntervalMs: 100,
};
