import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';

import { httpStatus } from '../../runtime/kube-object.ts';
import { TENANTS } from '../tenant/types.ts';

/** The field manager of everything the arbiter writes: its fields are its own, whoever writes the rest. */
export const ARBITER_FIELD_MANAGER = 'bascule-arbiter';

const POOLS = { group: 'bascule.io', version: 'v1alpha1', plural: 'elasticpools' };
const API_VERSION = 'bascule.io/v1alpha1';

/** Applies the arbiter's status fields (server-side apply, its own field manager). */
export interface GrantWriter {
    /** Applies `status` (granted, grantedAt, arbitration, reallocations) to the pool at namespace/name. */
    pool(namespace: string, name: string, status: object): Promise<void>;
    /** Applies `arbitration` to the Tenant's status. */
    tenant(name: string, arbitration: object): Promise<void>;
}

/**
 * Server-side apply on the status subresource, forced: the arbiter is the only writer of these
 * fields, and another manager holding one (a status PUT that carried it over) must not block it. A
 * 404 (the object went away meanwhile) is not an error.
 */
export function kubeGrantWriter(kc: KubeConfig): GrantWriter {
    const api = kc.makeApiClient(CustomObjectsApi);
    const options = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
    const apply = { fieldManager: ARBITER_FIELD_MANAGER, force: true };

    return {
        async pool(namespace, name, status) {
            const body = {
                apiVersion: API_VERSION,
                kind: 'ElasticPool',
                metadata: { name, namespace },
                status,
            };
            await ignoreGone(
                api.patchNamespacedCustomObjectStatus({ ...POOLS, namespace, name, body, ...apply }, options),
            );
        },
        async tenant(name, arbitration) {
            const body = {
                apiVersion: API_VERSION,
                kind: 'Tenant',
                metadata: { name },
                status: { arbitration },
            };
            await ignoreGone(
                api.patchClusterCustomObjectStatus({ ...TENANTS, name, body, ...apply }, options),
            );
        },
    };
}

/** Waits for one apply; a vanished object is fine, other refusals say what the API server said. */
async function ignoreGone(write: Promise<unknown>): Promise<void> {
    try {
        await write;
    } catch (err) {
        const code = httpStatus(err);
        if (code === 404) return;
        throw new ApplyError(code, refusalMessage(err));
    }
}

/** The API server refused one of the arbiter's writes. */
export class ApplyError extends Error {
    override name = 'ApplyError';
    readonly code: number | undefined;

    constructor(code: number | undefined, message: string) {
        super(message);
        this.code = code;
    }
}

/** The Status message of an API error (its body), without the headers and payload around it. */
function refusalMessage(err: unknown): string {
    const body = (err as { body?: unknown }).body;
    if (typeof body === 'string') {
        try {
            const status = JSON.parse(body) as { message?: unknown };
            if (typeof status.message === 'string') return status.message;
        } catch {
            // Not JSON: fall through to the error's own message.
        }
    }
    return err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
}
