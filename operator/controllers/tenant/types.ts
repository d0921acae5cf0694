import type { Writable } from '../shared/kube-objects.ts';
import type { CommonStatus } from '../shared/reconciler.ts';
import type { ResourceSpec, Resources } from '../shared/resources.ts';

export type DeletionPolicy = 'Delete' | 'Orphan';

export interface TenantSpec {
    displayName?: string;
    description?: string;
    domain?: string;
    guarantee?: ResourceSpec;
    borrowingLimit?: ResourceSpec;
    lendingLimit?: ResourceSpec;
    maxPriority?: number;
    mayPreemptGuarantees?: boolean;
    namespaces?: string[];
    adopt?: { projectID: string };
    deletionPolicy?: DeletionPolicy;
}

export interface TenantStatus extends CommonStatus {
    projectID?: string;
    domainID?: string;
    deletionPolicy?: DeletionPolicy;
    origin?: 'Created' | 'Adopted';
    effectiveQuota?: Resources;
    appliedQuota?: Resources;
    usage?: Resources;
    quotaRepairs?: number;
    arbitration?: TenantArbitrationStatus;
}

/** The arbiter's block, written under its own field manager; the Tenant controller only reads it. */
export interface TenantArbitrationStatus {
    held?: Resources;
    borrowed?: Resources;
    lent?: Resources;
    effective?: Resources;
    decidedAt?: string;
    conditions?: string[];
}

export type Tenant = Writable & { spec?: TenantSpec; status?: TenantStatus };

export const TENANTS = { group: 'bascule.io', version: 'v1alpha1', plural: 'tenants' };
export const TENANT_FINALIZER = 'bascule.io/tenant';
