import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';

import type { ResourceRef } from '../../runtime/kube-list-watch.ts';
import { httpStatus, splitKey, type KubeObject } from '../../runtime/kube-object.ts';

/** The object metadata the controllers write besides status. */
export type Writable = KubeObject & {
    metadata?: KubeObject['metadata'] & {
        finalizers?: string[];
        annotations?: Record<string, string>;
        labels?: Record<string, string>;
    };
};

/** Reads and replaces whole objects of one custom resource (finalizers live outside status). */
export interface ObjectClient {
    /** A live read; undefined when the object does not exist. */
    get(key: string): Promise<Writable | undefined>;
    /** PUT carrying metadata.resourceVersion; rejects with 409 when stale. */
    replace(obj: Writable): Promise<Writable>;
}

/** An ObjectClient for one custom resource. */
export function kubeObjectClient(kc: KubeConfig, ref: Omit<ResourceRef, 'namespace'>): ObjectClient {
    const api = kc.makeApiClient(CustomObjectsApi);

    return {
        async get(key) {
            const { namespace, name } = splitKey(key);
            try {
                const found: unknown =
                    namespace === undefined
                        ? await api.getClusterCustomObject({ ...ref, name })
                        : await api.getNamespacedCustomObject({ ...ref, namespace, name });
                return found as Writable;
            } catch (err) {
                if (httpStatus(err) === 404) return undefined;
                throw err;
            }
        },
        async replace(obj) {
            const name = obj.metadata?.name ?? '';
            const namespace = obj.metadata?.namespace;
            const written: unknown =
                namespace === undefined || namespace === ''
                    ? await api.replaceClusterCustomObject({ ...ref, name, body: obj })
                    : await api.replaceNamespacedCustomObject({ ...ref, namespace, name, body: obj });
            return written as Writable;
        },
    };
}

/** Adds `finalizer` (a 409 surfaces to the caller, whose reconcile is retried). Returns the new object. */
export async function addFinalizer(client: ObjectClient, obj: Writable, finalizer: string) {
    const finalizers = obj.metadata?.finalizers ?? [];
    if (finalizers.includes(finalizer)) return obj;
    return client.replace({ ...obj, metadata: { ...obj.metadata, finalizers: [...finalizers, finalizer] } });
}

/** Removes `finalizer` from the live object; a vanished object is fine. */
export async function removeFinalizer(client: ObjectClient, key: string, finalizer: string): Promise<void> {
    const live = await client.get(key);
    const finalizers = live?.metadata?.finalizers ?? [];
    if (live === undefined || !finalizers.includes(finalizer)) return;

    const kept = finalizers.filter((f) => f !== finalizer);
    try {
        await client.replace({ ...live, metadata: { ...live.metadata, finalizers: kept } });
    } catch (err) {
        if (httpStatus(err) !== 404) throw err;
    }
}
