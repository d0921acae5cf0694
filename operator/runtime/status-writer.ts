import { isDeepStrictEqual } from 'node:util';

import { httpStatus, type KubeObject } from './kube-object.ts';

/** An object with a status the operator computes. */
export type WithStatus = KubeObject & { status?: unknown };

/** Reads an object fresh from the API server and replaces its status subresource. */
export interface StatusClient {
    /** The object as the API server has it now; undefined when it no longer exists. */
    get(key: string): Promise<WithStatus | undefined>;
    /** PUT …/status carrying metadata.resourceVersion; rejects with 409 when it is stale. */
    replaceStatus(obj: WithStatus): Promise<WithStatus>;
}

/** What a status write did. */
export type StatusWriteResult = 'written' | 'unchanged' | 'gone';

/** How many conflicting writes to retry before giving up and letting the queue back off. */
export const STATUS_WRITE_ATTEMPTS = 5;

/** The status write lost every attempt to concurrent writers; the reconcile should be retried. */
export class StatusConflictError extends Error {
    override name = 'StatusConflictError';
}

/**
 * Writes `status` as the whole status of the object at `key`, starting from `observed` (the object
 * as the reconcile saw it). On a conflict it re-reads the object and re-applies the same computed
 * status onto the fresh copy — the status is the operator's alone, so nothing of another writer's is
 * overwritten, and the computed status is never lost. It skips the write when the status is already
 * equal, and gives up after STATUS_WRITE_ATTEMPTS conflicts with StatusConflictError rather than spin.
 */
export async function writeStatus(
    client: StatusClient,
    key: string,
    observed: WithStatus,
    status: unknown,
): Promise<StatusWriteResult> {
    let current: WithStatus | undefined = observed;
    for (let attempt = 1; attempt <= STATUS_WRITE_ATTEMPTS; attempt++) {
        if (current === undefined) return 'gone';
        if (isDeepStrictEqual(current.status, status)) return 'unchanged';

        try {
            await client.replaceStatus({ ...current, status });
            return 'written';
        } catch (err) {
            const code = httpStatus(err);
            if (code === 404) return 'gone';
            if (code !== 409) throw err;
        }

        current = await client.get(key);
    }
    throw new StatusConflictError(`status of ${key} conflicted ${STATUS_WRITE_ATTEMPTS} times`);
}
