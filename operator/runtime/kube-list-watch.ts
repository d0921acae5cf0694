import { CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';

import type { ListWatchSource, WatchEvent, WatchHandle } from './informer.ts';
import type { KubeObject } from './kube-object.ts';

/** A resource of a group, optionally limited to one namespace. */
export interface ResourceRef {
    group: string;
    version: string;
    plural: string;
    /** Undefined for cluster-scoped resources or to watch every namespace. */
    namespace?: string;
}

/** Objects per list page: keeps each answer small on large clusters. */
const LIST_PAGE_SIZE = 500;

/**
 * The server ends each watch after a random 5–10 minutes, as client-go's reflector asks, so
 * watches are renewed regularly and never all at once.
 */
function watchTimeoutSeconds(): number {
    return 300 + Math.floor(Math.random() * 300);
}

interface ListPage {
    items?: KubeObject[];
    metadata?: { resourceVersion?: string; continue?: string };
}

/** A ListWatchSource for a grouped resource, over client-node's CustomObjectsApi and Watch. */
export function kubeListWatch(
    kc: KubeConfig,
    ref: ResourceRef,
    inactivityTimeoutMs: number,
): ListWatchSource {
    const api = kc.makeApiClient(CustomObjectsApi);
    const watcher = new Watch(kc);
    // NOTE: client-node's Watch aborts a connection after 30 s without data, a private setting;
    // bookmarks come about once a minute, so quiet watches would be cut twice a minute. We raise it
    // above the informer's own watchdog (two bookmark intervals), which then decides. If a client-node
    // release renames the field, watches still work, only with more restarts.
    Object.assign(watcher, { requestTimeoutMs: inactivityTimeoutMs });

    return {
        list: () => listAll(api, ref),
        watch: (resourceVersion, onEvent, onDone) =>
            startWatch(watcher, ref, resourceVersion, onEvent, onDone),
    };
}

/** The URL path of a resource collection. */
export function collectionPath(ref: ResourceRef): string {
    const namespace = ref.namespace === undefined ? '' : `/namespaces/${ref.namespace}`;
    return `/apis/${ref.group}/${ref.version}${namespace}/${ref.plural}`;
}

async function listAll(api: CustomObjectsApi, ref: ResourceRef) {
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
        const page = await listPage(api, ref, cont);
        items.push(...(page.items ?? []));
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        cont = page.metadata?.continue === '' ? undefined : page.metadata?.continue;
    } while (cont !== undefined);
    return { items, resourceVersion };
}

async function listPage(
    api: CustomObjectsApi,
    ref: ResourceRef,
    cont: string | undefined,
): Promise<ListPage> {
    const common = { group: ref.group, version: ref.version, plural: ref.plural, limit: LIST_PAGE_SIZE };
    const page: unknown =
        ref.namespace === undefined
            ? await api.listClusterCustomObject({ ...common, _continue: cont })
            : await api.listNamespacedCustomObject({ ...common, namespace: ref.namespace, _continue: cont });
    return page as ListPage;
}

async function startWatch(
    watcher: Watch,
    ref: ResourceRef,
    resourceVersion: string,
    onEvent: (event: WatchEvent) => void,
    onDone: (err: unknown) => void,
): Promise<WatchHandle> {
    const query = { allowWatchBookmarks: true, resourceVersion, timeoutSeconds: watchTimeoutSeconds() };
    const controller = await watcher.watch(
        collectionPath(ref),
        query,
        (type: string, object: WatchEvent['object']) => {
            onEvent({ type, object });
        },
        onDone,
    );
    return {
        stop: () => {
            controller.abort();
        },
    };
}
