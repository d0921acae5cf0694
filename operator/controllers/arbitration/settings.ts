import { DEMO_SETTINGS, PRODUCTION_SETTINGS, type StabilitySettings } from '../../arbiter/settings.ts';
import type { SettingsProfile } from '../../runtime/config.ts';

/** The arbitration loop's named timings, with ARBITER.md's stability settings. */
export interface ArbitrationSettings {
    stability: StabilitySettings;
    /** The arbiter runs at least this often; residency and hysteresis expire with time alone. */
    intervalMs: number;
    /** Changes arriving within this long are arbitrated together. */
    debounceMs: number;
    /** Placement capacity (hosts coming and going) is read again this often. */
    capacityRefreshMs: number;
    /** One reading of the allocation candidates answers every pool that asks within this long. */
    candidatesFreshMs: number;
    /** An unknown flavor is looked up again at most this often. */
    flavorRefreshMs: number;
    /** After its machines change, a Tenant reads its usage again (and re-applies quota) this long later. */
    tenantRefreshMs: number;
}

export const ARBITRATION_PROFILES: Record<SettingsProfile, ArbitrationSettings> = {
    production: {
        stability: PRODUCTION_SETTINGS,
        intervalMs: 15_000,
        debounceMs: 1_000,
        capacityRefreshMs: 5 * 60_000,
        candidatesFreshMs: 2_000,
        flavorRefreshMs: 60_000,
        tenantRefreshMs: 5_000,
    },
    demo: {
        stability: DEMO_SETTINGS,
        intervalMs: 2_000,
        debounceMs: 250,
        capacityRefreshMs: 60_000,
        candidatesFreshMs: 1_000,
        flavorRefreshMs: 10_000,
        tenantRefreshMs: 1_000,
    },
    test: {
        stability: DEMO_SETTINGS,
        intervalMs: 300,
        debounceMs: 30,
        capacityRefreshMs: 1_000,
        candidatesFreshMs: 100,
        flavorRefreshMs: 200,
        tenantRefreshMs: 50,
    },
};
