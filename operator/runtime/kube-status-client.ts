import {
    CustomObjectsApi,
    Observable,
    type ConfigurationOptions,
    type KubeConfig,
    type RequestContext,
    type ResponseContext,
} from '@kubernetes/client-node';

import type { ResourceRef } from './kube-list-watch.ts';
import { httpStatus, splitKey } from './kube-object.ts';
import type { StatusClient, WithStatus } from './status-writer.ts';

/** A StatusClient for a custom resource with a status subresource. */
export function kubeStatusClient(kc: KubeConfig, ref: Omit<ResourceRef, 'namespace'>): StatusClient {
    const api = kc.makeApiClient(CustomObjectsApi);

    const read = async (key: string, options?: ConfigurationOptions) => {
        const { namespace, name } = splitKey(key);
        try {
            const obj: unknown =
                namespace === undefined
                    ? await api.getClusterCustomObject({ ...ref, name }, options)
                    : await api.getNamespacedCustomObject({ ...ref, namespace, name }, options);
            return obj as WithStatus;
        } catch (err) {
            if (httpStatus(err) === 404) return undefined;
            throw err;
        }
    };

    return {
        async get(key, notOlderThan) {
            if (notOlderThan === undefined) return read(key);
            // Served from the API server's watch cache once it has caught up with `notOlderThan`,
            // instead of a quorum read from etcd; if the cache cannot (it lags too far), from etcd.
            try {
                return await read(key, withResourceVersion(notOlderThan));
            } catch {
                return read(key);
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

/** Request options adding `resourceVersion` to a GET: "not older than" this version. */
function withResourceVersion(resourceVersion: string): ConfigurationOptions {
    const pre = (request: RequestContext) => {
        const url = new URL(request.getUrl());
        url.searchParams.set('resourceVersion', resourceVersion);
        request.setUrl(url.toString());
        return new Observable(Promise.resolve(request));
    };
    const post = (response: ResponseContext) => new Observable(Promise.resolve(response));
    return { middleware: [{ pre, post }], middlewareMergeStrategy: 'append' };
}
