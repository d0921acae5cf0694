// Minimal valid objects of each kind, for tests to vary one field at a time.
import type { Obj } from '../support/cluster.ts';

export const apiVersion = 'bascule.io/v1alpha1';

export function tenant(name: string, spec: Record<string, unknown> = {}): Obj {
    return {
        apiVersion,
        kind: 'Tenant',
        metadata: { name },
        spec: { guarantee: { instances: 10, cores: 20, ram: '40Gi' }, ...spec },
    };
}

export function machineSpec(spec: Record<string, unknown> = {}): Record<string, unknown> {
    return { flavor: { name: 'm1.medium' }, image: { name: 'debian-12' }, ...spec };
}

export function virtualMachine(namespace: string, name: string, spec: Record<string, unknown> = {}): Obj {
    return {
        apiVersion,
        kind: 'VirtualMachine',
        metadata: { namespace, name },
        spec: { tenant: 'elections', ...machineSpec(spec) },
    };
}

export function elasticPool(namespace: string, name: string, spec: Record<string, unknown> = {}): Obj {
    return {
        apiVersion,
        kind: 'ElasticPool',
        metadata: { namespace, name },
        spec: { tenant: 'elections', maxReplicas: 10, template: { spec: machineSpec() }, ...spec },
    };
}

/** A schedule window; times are RFC 3339 with an offset. */
export function window(start: string, end: string, extra: Record<string, unknown> = {}) {
    return { start, end, replicas: 5, ...extra };
}
