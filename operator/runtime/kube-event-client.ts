import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';

import type { EventClient, KubeEvent } from './event-recorder.ts';

/** An EventClient for events.k8s.io/v1, through the generic API (works with the local stand-in). */
export function kubeEventClient(kc: KubeConfig): EventClient {
    const api = kc.makeApiClient(CustomObjectsApi);
    const ref = { group: 'events.k8s.io', version: 'v1', plural: 'events' };

    return {
        async create(event) {
            const body = { ...event, metadata: { ...event.metadata, resourceVersion: undefined } };
            const created: unknown = await api.createNamespacedCustomObject({
                ...ref,
                namespace: event.metadata.namespace,
                body,
            });
            return created as KubeEvent;
        },
        async replace(event) {
            const { name, namespace } = event.metadata;
            const replaced: unknown = await api.replaceNamespacedCustomObject({
                ...ref,
                namespace,
                name,
                body: event,
            });
            return replaced as KubeEvent;
        },
    };
}
