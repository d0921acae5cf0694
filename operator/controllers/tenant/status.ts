import type { QuotaDetail } from '../../openstack/nova-views.ts';
import type { PortQuota } from '../../openstack/references.ts';
import type { DesiredCondition } from '../shared/conditions.ts';
import type { Resources } from '../shared/resources.ts';
import type { DeletionPolicy, Tenant, TenantStatus } from './types.ts';

/** Usage as Nova counts it (in use plus reserved). */
export function usageOf(detail: QuotaDetail): Resources {
    const count = (name: string) => (detail[name]?.inUse ?? 0) + (detail[name]?.reserved ?? 0);
    return { instances: count('instances'), cores: count('cores'), ramMiB: count('ram') };
}

/** The limits Nova applies now. */
export function limitsOf(detail: QuotaDetail): Resources {
    const limit = (name: string) => detail[name]?.limit ?? -1;
    return { instances: limit('instances'), cores: limit('cores'), ramMiB: limit('ram') };
}

/** The spec's policy, else `Delete` for a created project and `Orphan` for an adopted one. */
export function resolvedPolicy(tenant: Tenant, status: TenantStatus): DeletionPolicy {
    return tenant.spec?.deletionPolicy ?? (status.origin === 'Adopted' ? 'Orphan' : 'Delete');
}

/**
 * The PortQuota condition: False when Neutron's free ports cannot cover the instances the quota
 * still allows (a pool of networked machines needs one port each); -1 is unlimited.
 */
export function portCondition(ports: PortQuota, quota: Resources, usage: Resources): DesiredCondition {
    const needed = Math.max(0, quota.instances - usage.instances);
    const free = ports.limit < 0 ? Infinity : ports.limit - ports.used;
    if (free >= needed) {
        return { type: 'PortQuota', status: 'True', reason: 'Success', message: 'enough ports' };
    }
    const message = `Neutron allows ${free} more ports; the quota allows ${needed} more instances`;
    return { type: 'PortQuota', status: 'False', reason: 'PortQuotaShortfall', message };
}
