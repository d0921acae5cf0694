import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';

import { httpStatus } from './kube-object.ts';
import type { LeaseClient, LeaseRecord } from './leader-election.ts';

interface Lease {
    apiVersion: 'coordination.k8s.io/v1';
    kind: 'Lease';
    metadata: { name: string; namespace: string; resourceVersion?: string };
    spec: Omit<LeaseRecord, 'resourceVersion'>;
}

/**
 * A LeaseClient for coordination.k8s.io/v1 Leases. It goes through the generic custom-objects
 * API, which speaks plain JSON, so it works against both a real API server and the local one's
 * CRD stand-in for Leases, and keeps the MicroTime strings exactly as written.
 */
export function kubeLeaseClient(kc: KubeConfig, namespace: string, name: string): LeaseClient {
    const api = kc.makeApiClient(CustomObjectsApi);
    const ref = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace, name };

    return {
        async get() {
            try {
                return toRecord((await api.getNamespacedCustomObject(ref)) as Lease);
            } catch (err) {
                if (httpStatus(err) === 404) return undefined;
                throw err;
            }
        },
        async create(record) {
            return toRecord(
                (await api.createNamespacedCustomObject({ ...ref, body: toLease(record) })) as Lease,
            );
        },
        async update(record) {
            return toRecord(
                (await api.replaceNamespacedCustomObject({ ...ref, body: toLease(record) })) as Lease,
            );
        },
    };

    function toLease(record: LeaseRecord): Lease {
        const { resourceVersion, ...spec } = record;
        return {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
            spec,
        };
    }
}

function toRecord(lease: Lease): LeaseRecord {
    return { ...lease.spec, resourceVersion: lease.metadata.resourceVersion };
}
