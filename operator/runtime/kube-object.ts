/** The parts of a Kubernetes object the runtime reads. */
export interface KubeObject {
    apiVersion?: string;
    kind?: string;
    metadata?: {
        name?: string;
        namespace?: string;
        uid?: string;
        resourceVersion?: string;
        generation?: number;
        creationTimestamp?: string | Date;
        deletionTimestamp?: string | Date;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        finalizers?: string[];
        ownerReferences?: OwnerReference[];
    };
}

/** A reference to the object that owns this one (an ElasticPool owns its machines). */
export interface OwnerReference {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
}

/** The kind and name of the object's controller, if it has one. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
    return obj.metadata?.ownerReferences?.find((o) => o.controller === true);
}

/** The object's cache and queue key: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(obj: KubeObject): string {
    const name = obj.metadata?.name ?? '';
    const namespace = obj.metadata?.namespace;
    return namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
}

/** Splits a key made by objectKey back into namespace (undefined when cluster-scoped) and name. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
    const slash = key.indexOf('/');
    return slash < 0
        ? { namespace: undefined, name: key }
        : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The HTTP status an API error carries, from client-node's ApiException or its Watch errors. */
export function httpStatus(err: unknown): number | undefined {
    if (typeof err !== 'object' || err === null) return undefined;
    const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
    if (typeof code === 'number') return code;
    return typeof statusCode === 'number' ? statusCode : undefined;
}

/** A MicroTime (Lease and Event times): RFC 3339 with exactly six fractional digits, as the API server parses it. */
export function microTime(ms: number): string {
    return new Date(ms).toISOString().replace(/Z$/, '000Z');
}
