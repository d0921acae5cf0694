import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';

import type { ResourceRef } from './kube-list-watch.ts';
import { httpStatus, splitKey } from './kube-object.ts';
import type { StatusClient, WithStatus } from './status-writer.ts';

/** A StatusClient for a custom resource with a status subresource. */
export function kubeStatusClient(kc: KubeConfig, ref: Omit<ResourceRef, 'namespace'>): StatusClient {
    const api = kc.makeApiClient(CustomObjectsApi);

    return {
        async get(key) {
            const { namespace, name } = splitKey(key);
            try {
                const obj: unknown =
                    namespace === undefined
                        ? await api.getClusterCustomObject({ ...ref, name })
                        : await api.getNamespacedCustomObject({ ...ref, namespace, name });
                return obj as WithStatus;
            } catch (err) {
                if (httpStatus(err) === 404) return undefined;
                throw err;
            }
        },
        async replaceStatus(obj) {
            const name = obj.metadata?.name ?? '';
            const namespace = obj.metadata?.namespace;
            const written: unknown =
                namespace === undefined || namespace === ''
                    ? await api.replaceClusterCustomObjectStatus({ ...ref, name, body: obj })
                    : await api.replaceNamespacedCustomObjectStatus({ ...ref, namespace, name, body: obj });
            return written as WithStatus;
        },
    };
}
