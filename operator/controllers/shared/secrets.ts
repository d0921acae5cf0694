import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { CoreV1Api } from '@kubernetes/client-node';

import { httpStatus } from '../../runtime/kube-object.ts';

/** The label a Secret must carry before Bascule reads it. */
export const SECRET_LABEL = 'bascule.io/secret';

/**
 * Where Bascule reads the values its objects reference by `secretRef`. Implementations read on
 * demand and keep nothing: no list, no watch, no cache. A failure is a SecretUnavailableError whose
 * message names the Secret and key, never its content.
 */
export interface SecretSource {
    get(namespace: string, name: string, key: string): Promise<string>;
}

/** Why a referenced value could not be read; safe to show in conditions (it names, never reveals). */
export class SecretUnavailableError extends Error {
    override name = 'SecretUnavailableError';
}

/** The one call the Kubernetes source makes; CoreV1Api provides it. */
export type SecretReader = Pick<CoreV1Api, 'readNamespacedSecret'>;

/**
 * Reads a Secret with `get` each time it is asked, and only when it is labelled
 * `bascule.io/secret=true`, so a namespace decides what Bascule may read.
 */
export function kubeSecretSource(api: SecretReader): SecretSource {
    return {
        async get(namespace, name, key) {
            const what = describe(namespace, name, key);
            let secret;
            try {
                secret = await api.readNamespacedSecret({ namespace, name });
            } catch (err) {
                if (httpStatus(err) === 404) throw new SecretUnavailableError(`${what} not found`);
                if (httpStatus(err) === 403) throw new SecretUnavailableError(`${what} cannot be read`);
                throw err;
            }
            if (secret.metadata?.labels?.[SECRET_LABEL] !== 'true') {
                throw new SecretUnavailableError(`${what} is not labelled ${SECRET_LABEL}=true`);
            }
            const encoded = secret.data?.[key];
            if (encoded === undefined) throw new SecretUnavailableError(`${what}: no such key`);
            return Buffer.from(encoded, 'base64').toString('utf8');
        },
    };
}

/**
 * Reads `<root>/<namespace>/<name>/<key>`: for tests and the local API server, which serves no
 * Secrets. No label applies; the folder is the opt-in.
 */
export function fileSecretSource(root: string): SecretSource {
    return {
        async get(namespace, name, key) {
            for (const part of [namespace, name, key]) {
                // A reference must not climb out of the root.
                if (part === '' || part.includes('/') || part.startsWith('.')) {
                    throw new SecretUnavailableError(`${describe(namespace, name, key)}: invalid reference`);
                }
            }
            try {
                return await readFile(join(root, namespace, name, key), 'utf8');
            } catch (err) {
                const code = (err as { code?: unknown }).code;
                if (code === 'ENOENT' || code === 'ENOTDIR') {
                    throw new SecretUnavailableError(`${describe(namespace, name, key)} not found`);
                }
                throw err;
            }
        },
    };
}

function describe(namespace: string, name: string, key: string): string {
    return `Secret ${namespace}/${name} (key ${key})`;
}
