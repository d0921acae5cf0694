import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';

import { httpStatus } from '../../runtime/kube-object.ts';
import { VIRTUAL_MACHINES } from '../virtualmachine/types.ts';
import type { Child, PatchOp } from './children.ts';
import { POOL_LABEL } from './types.ts';

/** The API-server calls the pool makes on its children. */
export interface ChildClient {
    /** A live list of the VirtualMachines labelled with the pool's name. */
    list(namespace: string, pool: string): Promise<Child[]>;
    /** Creates `child`; false when its name is taken (the caller picks another). */
    create(child: Child): Promise<boolean>;
    /** Deletes a child; one already gone is fine. */
    remove(namespace: string, name: string): Promise<void>;
    /** Applies a JSON Patch to a child; one already gone is fine. */
    patch(namespace: string, name: string, ops: readonly PatchOp[]): Promise<void>;
}

/**
 * A ChildClient over the API server. Lists are served from the API server's watch cache, not
 * etcd, while they can be at least as recent as everything this client has written or listed
 * (a resourceVersion "not older than" the newest it has seen): a pool never misses a child it
 * made, and 1,000-child lists no longer decode every machine of the cluster from etcd.
 */
export function kubeChildClient(kc: KubeConfig): ChildClient {
    const api = kc.makeApiClient(CustomObjectsApi);
    const ref = VIRTUAL_MACHINES;
    const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
    const goneIsFine = (err: unknown) => {
        if (httpStatus(err) !== 404) throw err;
    };
    let newest: bigint | undefined;
    const saw = (obj: unknown) => {
        const version = (obj as { metadata?: { resourceVersion?: string } } | undefined)?.metadata
            ?.resourceVersion;
        if (version === undefined || !/^\d+$/.test(version)) return;
        const v = BigInt(version);
        if (newest === undefined || v > newest) newest = v;
    };
    const listing = async (namespace: string, labelSelector: string, notOlderThan?: bigint) => {
        const fresh =
            notOlderThan === undefined
                ? {}
                : { resourceVersion: String(notOlderThan), resourceVersionMatch: 'NotOlderThan' };
        const found = (await api.listNamespacedCustomObject({
            ...ref,
            namespace,
            labelSelector,
            ...fresh,
        })) as {
            items?: Child[];
        };
        saw(found);
        return found.items ?? [];
    };

    return {
        async list(namespace, pool) {
            const labelSelector = `${POOL_LABEL}=${pool}`;
            if (newest === undefined) return listing(namespace, labelSelector);
            try {
                return await listing(namespace, labelSelector, newest);
            } catch {
                // The cache could not serve it (it lags too far): a consistent list from etcd.
                return listing(namespace, labelSelector);
            }
        },
        async create(child) {
            const namespace = child.metadata?.namespace ?? '';
            try {
                saw(await api.createNamespacedCustomObject({ ...ref, namespace, body: child }));
                return true;
            } catch (err) {
                if (httpStatus(err) === 409) return false;
                throw err;
            }
        },
        async remove(namespace, name) {
            saw(await api.deleteNamespacedCustomObject({ ...ref, namespace, name }).catch(goneIsFine));
        },
        async patch(namespace, name, ops) {
            const body = ops;
            saw(
                await api
                    .patchNamespacedCustomObject({ ...ref, namespace, name, body }, jsonPatch)
                    .catch(goneIsFine),
            );
        },
    };
}

/** Runs `task` over `items`, at most `limit` at a time; rejects with the first failure once all settle. */
export async function forEachBounded<T>(
    items: readonly T[],
    limit: number,
    task: (item: T) => Promise<void>,
): Promise<void> {
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
        while (next < items.length && failure === undefined) {
            const item = items[next++] as T;
            try {
                await task(item);
            } catch (error) {
                failure ??= { error };
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    if (failure !== undefined) throw failure.error;
}
