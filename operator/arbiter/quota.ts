import { add, max, nonNegative, sub, type Resources } from './vector.ts';

/** Nova's quota counting modes: `default` counts shelved servers' cores and RAM; `placement` does not. */
export type CountingMode = 'default' | 'placement';

/** A project's servers as Nova counts them: those on a host, and those shelved and offloaded. */
export interface ProjectServers {
    readonly active: Resources;
    readonly shelved: Resources;
}

/** "Quota follows the grants": per dimension, `effective = G + borrowed − lent`, never below zero. */
export function effectiveQuota(guarantee: Resources, borrowed: Resources, lent: Resources): Resources {
    return nonNegative(sub(add(guarantee, borrowed), lent));
}

/**
 * Usage as Nova counts it: shelved servers always count as instances, and count for cores and RAM only
 * in the default mode (usage from Placement has no allocation for an offloaded server).
 */
export function countedUsage(servers: ProjectServers, mode: CountingMode): Resources {
    const all = add(servers.active, servers.shelved);
    if (mode === 'default') return all;
    return { instances: all.instances, cores: servers.active.cores, ramMiB: servers.active.ramMiB };
}

/** The quota to apply: `max(effective, usage as Nova counts it)`, since Nova refuses a quota below usage. */
export function appliedQuota(effective: Resources, servers: ProjectServers, mode: CountingMode): Resources {
    return max(effective, countedUsage(servers, mode));
}
