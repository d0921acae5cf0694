import type { Writable } from '../shared/kube-objects.ts';
import type { CommonStatus } from '../shared/reconciler.ts';
import type { ResourceSpec, Resources } from '../shared/resources.ts';

export type DeletionPolicy = 'Delete' | 'Orphan';

export interface TenantSpec {
    displayName?: string;
    description?: string;
    domain?: string;
    guarantee?: ResourceSpec;
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
    arbitration?: { effective?: Resources };
}

export type Tenant = Writable & { spec?: TenantSpec; status?: TenantStatus };

export const TENANTS = { group: 'bascule.io', version: 'v1alpha1', plural: 'tenants' };
export const TENANT_FINALIZER = 'bascule.io/tenant';
