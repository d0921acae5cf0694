import { isDeepStrictEqual } from 'node:util';

import { httpStatus, type KubeObject } from './kube-object.ts';

/** An object with a status the operator computes. */
export type WithStatus = KubeObject & { status?: unknown };

/** Reads an object fresh from the API server and replaces its status subresource. */
export interface StatusClient {
    /**
     * The object as the API server has it now; undefined when it no longer exists. With
     * `notOlderThan` (a resourceVersion this process has seen or written), any copy at least that
     * recent will do — the API server's watch cache serves it without a quorum read from etcd.
     */
    get(key: string, notOlderThan?: string): Promise<WithStatus | undefined>;
    /** PUT …/status carrying metadata.resourceVersion; rejects with 409 when it is stale. */
    replaceStatus(obj: WithStatus): Promise<WithStatus>;
}

export interface StatusWriteOptions {
    /** Top-level status fields another writer owns: always taken from the copy being replaced. */
    foreign?: readonly string[];
    /** Called with the object as written (or found unchanged), for the next write to start from. */
    written?: (obj: WithStatus) => void;
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
 * Writes `computed` as the whole status of the object at `key`, starting from `observed` (the object
 * as the reconcile saw it). On a conflict it re-reads the object and re-applies the same computed
 * status onto the fresh copy, so the computed status is never lost. The `foreign` top-level fields
 * belong to another writer (the arbiter's grants): they are always taken from the copy being
 * replaced, never from `computed`, so a retried write cannot put back a value the other writer has
 * since changed. It skips the write when the status is already equal, and gives up after
 * STATUS_WRITE_ATTEMPTS conflicts with StatusConflictError rather than spin.
 */
export async function writeStatus(
    client: StatusClient,
    key: string,
    observed: WithStatus,
    computed: unknown,
    options: StatusWriteOptions = {},
): Promise<StatusWriteResult> {
    let current: WithStatus | undefined = observed;
    for (let attempt = 1; attempt <= STATUS_WRITE_ATTEMPTS; attempt++) {
        if (current === undefined) return 'gone';
        const status = withForeignFields(computed, current.status, options.foreign ?? []);
        if (isDeepStrictEqual(current.status, status)) {
            options.written?.(current);
            return 'unchanged';
        }

        try {
            // Not `written?.(await …)`: an optional call would skip the write itself.
            const written = await client.replaceStatus({ ...current, status });
            options.written?.(written);
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

function withForeignFields(computed: unknown, current: unknown, foreign: readonly string[]): unknown {
    if (foreign.length === 0) return computed;
    const theirs = (current ?? {}) as Record<string, unknown>;
    const mine = Object.entries(computed as Record<string, unknown>).filter(
        ([key]) => !foreign.includes(key),
    );
    const kept = foreign.filter((key) => key in theirs).map((key) => [key, theirs[key]] as const);
    return Object.fromEntries([...mine, ...kept]);
}
