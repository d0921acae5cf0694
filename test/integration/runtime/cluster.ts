import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { ApiextensionsV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

import { httpStatus } from '../../../operator/runtime/kube-object.ts';
import { PooledKubeConfig } from '../../../operator/runtime/kube-config.ts';

/** The throwaway resource these tests use, so they need none of Bascule's own CRDs. */
export const WIDGETS = { group: 'test.bascule.io', version: 'v1', plural: 'widgets' };

/** Loads the local API server's kubeconfig, or undefined when it is not there or not ready. */
export async function localCluster(): Promise<KubeConfig | undefined> {
    const path = process.env.KUBECONFIG ?? resolve(import.meta.dirname, '../../../.local/kubeconfig');
    if (!existsSync(path)) return undefined;

    const kc = new PooledKubeConfig();
    kc.loadFromFile(path);
    try {
        await kc.makeApiClient(ApiextensionsV1Api).getAPIResources();
        return kc;
    } catch {
        return undefined;
    }
}

/**
 * Fails the suite when no local API server answers (`make cluster-up` starts one):
 * these tests are about the API server's behaviour, and skipping them would hide
 * that nothing was checked.
 */
export function requireCluster(_ctx: Mocha.Context, kc: KubeConfig | undefined): asserts kc is KubeConfig {
    if (kc === undefined) {
        throw new Error('no local API server answers: run make cluster-up first');
    }
}

/** Creates the widgets CRD (namespaced, with a status subresource) unless it exists. */
export async function ensureWidgets(kc: KubeConfig): Promise<void> {
    const api = kc.makeApiClient(ApiextensionsV1Api);
    const name = `${WIDGETS.plural}.${WIDGETS.group}`;
    try {
        await api.createCustomResourceDefinition({ body: widgetsCrd(name) });
    } catch (err) {
        if (httpStatus(err) !== 409) throw err;
    }
    await eventually(async () => {
        const crd = await api.readCustomResourceDefinition({ name });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
    });
}

function widgetsCrd(name: string) {
    // client-node's model names the extension in snake case; it serializes it as x-kubernetes-….
    const schema = { type: 'object', x_kubernetes_preserve_unknown_fields: true };
    return {
        metadata: { name },
        spec: {
            group: WIDGETS.group,
            scope: 'Namespaced',
            names: { kind: 'Widget', plural: WIDGETS.plural, singular: 'widget', listKind: 'WidgetList' },
            versions: [
                {
                    name: WIDGETS.version,
                    served: true,
                    storage: true,
                    subresources: { status: {} },
                    schema: {
                        openAPIV3Schema: { type: 'object', properties: { spec: schema, status: schema } },
                    },
                },
            ],
        },
    };
}

/** A fresh namespace name per test run, so runs never see each other's objects. */
export function testNamespace(prefix: string): string {
    return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export function widgetsApi(kc: KubeConfig) {
    const api = kc.makeApiClient(CustomObjectsApi);
    return {
        create: (namespace: string, name: string, spec: object) =>
            api.createNamespacedCustomObject({
                ...WIDGETS,
                namespace,
                body: { apiVersion: 'test.bascule.io/v1', kind: 'Widget', metadata: { name }, spec },
            }) as Promise<{ metadata: { resourceVersion: string } }>,
        remove: (namespace: string, name: string) =>
            api.deleteNamespacedCustomObject({ ...WIDGETS, namespace, name }),
        get: (namespace: string, name: string) =>
            api.getNamespacedCustomObject({ ...WIDGETS, namespace, name }) as Promise<
                Record<string, unknown>
            >,
        replace: (namespace: string, name: string, body: object) =>
            api.replaceNamespacedCustomObject({ ...WIDGETS, namespace, name, body }),
    };
}

/** Polls `check` until it holds, failing after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await check()) return;
        if (Date.now() > deadline) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 100));
    }
}
