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

/** A ChildClient over the API server. */
export function kubeChildClient(kc: KubeConfig): ChildClient {
    const api = kc.makeApiClient(CustomObjectsApi);
    const ref = VIRTUAL_MACHINES;
    const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
    const goneIsFine = (err: unknown) => {
        if (httpStatus(err) !== 404) throw err;
    };

    return {
        async list(namespace, pool) {
            const labelSelector = `${POOL_LABEL}=${pool}`;
            const found = (await api.listNamespacedCustomObject({ ...ref, namespace, labelSelector })) as {
                items?: Child[];
            };
            return found.items ?? [];
        },
        async create(child) {
            const namespace = child.metadata?.namespace ?? '';
            try {
                await api.createNamespacedCustomObject({ ...ref, namespace, body: child });
                return true;
            } catch (err) {
                if (httpStatus(err) === 409) return false;
                throw err;
            }
        },
        async remove(namespace, name) {
            await api.deleteNamespacedCustomObject({ ...ref, namespace, name }).catch(goneIsFine);
        },
        async patch(namespace, name, ops) {
            const body = ops;
            await api
                .patchNamespacedCustomObject({ ...ref, namespace, name, body }, jsonPatch)
                .catch(goneIsFine);
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
