import { readFileSync } from 'node:fs';

import { Agent, fetch as undiciFetch } from 'undici';

import { CloudConfigError, type CloudConfig } from './clouds.ts';
import type { FetchLike } from './http.ts';

/**
 * The fetch for a cloud: the platform's when the cloud uses the system's CAs with verification on,
 * else undici's with an Agent that trusts `cacert` or (only when clouds.yaml says `verify: false`)
 * skips verification.
 * undici's fetch is used together with its own Agent because the platform's bundled undici may
 * be another version, and a dispatcher from one does not work with the other's fetch.
 */
export function fetchForCloud(cloud: Pick<CloudConfig, 'path' | 'cacert' | 'verify'>): FetchLike {
    if (cloud.cacert === undefined && cloud.verify) return (url, init) => fetch(url, init);

    const ca = cloud.cacert === undefined ? undefined : readCa(cloud.path, cloud.cacert);
    const dispatcher = new Agent({ connect: { ca, rejectUnauthorized: cloud.verify } });
    return async (url, init) => {
        const res = await undiciFetch(url, { ...init, dispatcher } as Parameters<typeof undiciFetch>[1]);
        return res;
    };
}

// A missing CA file is a configuration mistake: one line naming it, not a stack trace at start.
function readCa(cloudsPath: string, cacert: string): string {
    try {
        return readFileSync(cacert, 'utf8');
    } catch {
        throw new CloudConfigError(`${cloudsPath}: cacert ${cacert} cannot be read`);
    }
}
