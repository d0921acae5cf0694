/** The named stability settings of ARBITER.md rule 7. Durations are in milliseconds. */
export interface StabilitySettings {
    /** Between borrowers of equal priority, a grant younger than this is not taken. */
    readonly minimumResidencyMs: number;
    /** Demand must stay changed this long before borrowed grants move between borrowers. */
    readonly hysteresisMs: number;
    /** A pool reclaimed this many times within `reclaimBackoffWindowMs` backs off for that window. */
    readonly reclaimBackoffCount: number;
    readonly reclaimBackoffWindowMs: number;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;

export const PRODUCTION_SETTINGS: StabilitySettings = {
    minimumResidencyMs: 5 * MINUTE_MS,
    hysteresisMs: 1 * MINUTE_MS,
    reclaimBackoffCount: 3,
    reclaimBackoffWindowMs: 30 * MINUTE_MS,
};

/** The values the demo and the tests use (ARBITER.md rule 7's table). */
export const DEMO_SETTINGS: StabilitySettings = {
    minimumResidencyMs: 10 * SECOND_MS,
    hysteresisMs: 2 * SECOND_MS,
    reclaimBackoffCount: 3,
    reclaimBackoffWindowMs: 5 * MINUTE_MS,
};
