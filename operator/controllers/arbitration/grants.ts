import type { PoolDecision, PoolGrant } from '../../arbiter/types.ts';
import type { Writable } from '../shared/kube-objects.ts';
import type { NameOrId } from '../virtualmachine/types.ts';

/** How the grant was made, kept in the pool's status so that a new leader resumes from it. */
export interface PoolArbitrationStatus {
    floor?: number;
    guaranteed?: number;
    borrowed?: number;
    preempting?: number;
    desired?: number;
    desiredSince?: string;
    reclaims?: string[];
    lentBy?: Record<string, number>;
}

/** One transfer as the pool's status keeps it (the last five). */
export interface ReallocationRecord {
    time: string;
    rule: string;
    direction: 'Gained' | 'Released';
    peer: string;
    machines: number;
    steps: { name: string; seconds: number }[];
}

/** The status fields the arbiter owns; the ElasticPool controller carries them over untouched. */
export interface GrantStatus {
    granted?: number;
    grantedAt?: string;
    arbitration?: PoolArbitrationStatus;
    reallocations?: ReallocationRecord[];
}

/** An ElasticPool as arbitration reads it. */
export type ArbitratedPool = Writable & {
    spec?: {
        tenant?: string;
        priority?: number;
        releaseAction?: 'Delete' | 'Shelve';
        template?: { spec?: { flavor?: NameOrId } };
    };
    status?: GrantStatus;
};

/** The previous grant recorded in a pool's status, or undefined when the arbiter never granted it. */
export function previousGrant(pool: ArbitratedPool): PoolGrant | undefined {
    const status = pool.status;
    if (status?.granted === undefined) return undefined;
    const a = status.arbitration ?? {};
    const grantedAtMs = parseTime(status.grantedAt) ?? 0;
    return {
        granted: status.granted,
        floor: a.floor ?? 0,
        guaranteed: a.guaranteed ?? 0,
        borrowed: a.borrowed ?? 0,
        preempting: a.preempting ?? 0,
        grantedAtMs,
        desired: a.desired ?? status.granted,
        desiredSinceMs: parseTime(a.desiredSince) ?? grantedAtMs,
        reclaimsMs: (a.reclaims ?? []).map(parseTime).filter((t) => t !== undefined),
        lentBy: a.lentBy ?? {},
    };
}

/** The status fields that record `decision` (everything but the reallocations). */
export function grantStatus(decision: PoolDecision): Required<Omit<GrantStatus, 'reallocations'>> {
    return {
        granted: decision.granted,
        grantedAt: timestamp(decision.grantedAtMs),
        arbitration: {
            floor: decision.floor,
            guaranteed: decision.guaranteed,
            borrowed: decision.borrowed,
            preempting: decision.preempting,
            desired: decision.desired,
            desiredSince: timestamp(decision.desiredSinceMs),
            // Empty lists and maps are left out: server-side apply stores an empty map as null.
            ...(decision.reclaimsMs.length === 0 ? {} : { reclaims: decision.reclaimsMs.map(timestamp) }),
            ...(Object.keys(decision.lentBy).length === 0 ? {} : { lentBy: { ...decision.lentBy } }),
        },
    };
}

/** RFC 3339 with milliseconds: residency and hysteresis are measured in them. */
export function timestamp(ms: number): string {
    return new Date(ms).toISOString();
}

function parseTime(value: string | undefined): number | undefined {
    if (value === undefined) return undefined;
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : undefined;
}
