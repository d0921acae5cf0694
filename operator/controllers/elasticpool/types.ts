import type { Writable } from '../shared/kube-objects.ts';
import type { CommonStatus } from '../shared/reconciler.ts';
import type { VirtualMachineSpec } from '../virtualmachine/types.ts';

export type ReleaseAction = 'Delete' | 'Shelve';

/** One absolute schedule window (start and end in RFC 3339 with an offset). */
export interface ScheduleWindow {
    name?: string;
    start: string;
    end: string;
    /** Such as "30m", "1h30m", "90s". */
    leadTime?: string;
    replicas?: number;
    minReplicas?: number;
    maxReplicas?: number;
}

/** An int or a percentage string such as "25%". */
export type IntOrPercent = number | string;

export interface UpdateStrategy {
    type?: 'OnDelete' | 'RollingUpdate';
    rollingUpdate?: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent };
}

/** A VirtualMachine spec without a tenant, adoption or parking: the pool decides those. */
export type PoolTemplateSpec = Omit<VirtualMachineSpec, 'tenant' | 'adopt'>;

export interface PoolTemplate {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: PoolTemplateSpec;
}

export interface ElasticPoolSpec {
    tenant: string;
    template: PoolTemplate;
    replicas?: number;
    /** Schema default 0. */
    minReplicas?: number;
    maxReplicas: number;
    /** Schema default 0; clamped to the Tenant's maxPriority. */
    priority?: number;
    /** Schema default Delete. */
    releaseAction?: ReleaseAction;
    schedule?: ScheduleWindow[];
    updateStrategy?: UpdateStrategy;
}

/** A window as status shows it. */
export interface WindowRef {
    name?: string;
    start: string;
    end: string;
}

export interface ReallocationStep {
    name?: string;
    seconds?: number;
}

export interface Reallocation {
    time?: string;
    rule?: string;
    direction?: 'Gained' | 'Released';
    peer?: string;
    machines?: number;
    steps?: ReallocationStep[];
}

export interface ElasticPoolStatus extends CommonStatus {
    replicas?: number;
    readyReplicas?: number;
    parkedReplicas?: number;
    desiredReplicas?: number;
    desiredReason?: string;
    priority?: number;
    /** Written by the arbiter under its own field manager; the pool controller never writes it. */
    granted?: number;
    /** Written by the arbiter. */
    grantedAt?: string;
    nextWindow?: WindowRef;
    selector?: string;
    /** Written by the arbiter: how the grant was made. */
    arbitration?: Record<string, unknown>;
    /** Written by the arbiter. */
    reallocations?: Reallocation[];
}

export type ElasticPool = Writable & { spec: ElasticPoolSpec; status?: ElasticPoolStatus };

export const ELASTIC_POOLS = { group: 'bascule.io', version: 'v1alpha1', plural: 'elasticpools' };
export const POOL_FINALIZER = 'bascule.io/elasticpool';
/** The label on every child VirtualMachine whose value is its pool's name. */
export const POOL_LABEL = 'bascule.io/pool';
/** The child annotation holding the hash of the template it was made from. */
export const TEMPLATE_HASH_ANNOTATION = 'bascule.io/template-hash';
/** The status fields the arbiter writes under its own field manager; pool status writes carry them over. */
export const ARBITER_STATUS_FIELDS = ['granted', 'grantedAt', 'arbitration', 'reallocations'] as const;
