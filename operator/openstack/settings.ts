import type { SettingsProfile } from '../runtime/config.ts';

/**
 * The client's named timings and limits. Production values are for a shared government cloud; test
 * values keep suites fast; demo values keep the embedded demo lively without hammering the simulator.
 */
export interface ClientSettings {
    /** Per-request timeout for reads and ordinary writes. */
    requestTimeoutMs: number;
    /** Per-request timeout for a server create, which Nova answers after scheduling starts. */
    createTimeoutMs: number;
    /** Attempts per call, the first included, for retryable failures. */
    maxAttempts: number;
    /** Exponential backoff between attempts: base, doubling, capped; with jitter. */
    backoffBaseMs: number;
    backoffMaxMs: number;
    /** The longest Retry-After honoured in place; a longer one is returned to the caller as Transient. */
    maxRetryAfterMs: number;
    /** How long to wait after an ambiguous create before settling it by tag lookup. */
    settleWindowMs: number;
    /** The per-cloud token bucket: calls per second and burst. */
    rateLimitQps: number;
    rateLimitBurst: number;
    /** A token is renewed when less than this remains before it expires. */
    tokenRenewMarginMs: number;
    /**
     * Attempts to issue a token. Higher than maxAttempts: every call waits on Keystone, so its
     * retries must outlast a short Keystone outage (a minute, with the least jitter) on their own.
     */
    tokenMaxAttempts: number;
    /**
     * How long a project's flavor list, and an image or network resolved by name or ID, are reused:
     * they change rarely, and a thousand machines created at once must not each list them.
     */
    referenceCacheMs: number;
    /**
     * A reference not found (or ambiguous) in what the cache holds is looked up again at once when
     * the cached answer is older than this, so a flavor or image that just appeared is seen.
     */
    referenceMissRefreshMs: number;
}

export const PRODUCTION_SETTINGS: ClientSettings = {
    requestTimeoutMs: 30_000,
    createTimeoutMs: 60_000,
    maxAttempts: 5,
    backoffBaseMs: 500,
    backoffMaxMs: 30_000,
    maxRetryAfterMs: 60_000,
    settleWindowMs: 120_000,
    rateLimitQps: 10,
    rateLimitBurst: 20,
    tokenRenewMarginMs: 5 * 60_000,
    // NOTE: 12 attempts sleep at least 0.25+0.5+1+2+4+8+5×15 ≈ 91 s and at most ≈ 182 s, so a
    // one-minute Keystone outage recovers within one call, and a call waiting on Keystone holds its
    // worker up to three minutes (a lost lease still aborts it at once). A shorter budget would
    // need the reconcilers to absorb the outage with requeues instead.
    tokenMaxAttempts: 12,
    referenceCacheMs: 60_000,
    referenceMissRefreshMs: 5_000,
};

export const DEMO_SETTINGS: ClientSettings = {
    ...PRODUCTION_SETTINGS,
    requestTimeoutMs: 10_000,
    createTimeoutMs: 20_000,
    backoffBaseMs: 200,
    backoffMaxMs: 5_000,
    maxRetryAfterMs: 10_000,
    settleWindowMs: 15_000,
    rateLimitQps: 50,
    rateLimitBurst: 100,
    tokenRenewMarginMs: 60_000,
    referenceCacheMs: 30_000,
    referenceMissRefreshMs: 2_000,
};

export const TEST_SETTINGS: ClientSettings = {
    requestTimeoutMs: 2_000,
    createTimeoutMs: 2_000,
    maxAttempts: 4,
    backoffBaseMs: 1,
    backoffMaxMs: 10,
    maxRetryAfterMs: 5_000,
    settleWindowMs: 50,
    rateLimitQps: 1_000,
    rateLimitBurst: 1_000,
    tokenRenewMarginMs: 1_000,
    tokenMaxAttempts: 4,
    // Tests see a new flavor, image or network at once; concurrent lookups still share one call.
    referenceCacheMs: 0,
    referenceMissRefreshMs: 0,
};

/** The client's settings for each `--settings-profile`. */
export const CLIENT_PROFILES: Record<SettingsProfile, ClientSettings> = {
    production: PRODUCTION_SETTINGS,
    demo: DEMO_SETTINGS,
    test: TEST_SETTINGS,
};
