import type { CloudClient } from './cloud-client.ts';
import { OpenStackError } from './errors.ts';
import { ADMIN } from './identity.ts';
import { obj, str } from './json.ts';

/** The lowest Nova microversion Bascule runs on: tags and tag filters, locks with a reason. */
export const MIN_NOVA_MINOR = 73;
/** The highest Bascule knows; it asks for no more even when Nova offers more. */
export const MAX_NOVA_MINOR = 96;

/**
 * Reads Nova's version document and picks the highest microversion both sides know. Refuses a Nova
 * below 2.73 with one clear line (an Invalid error: the cloud cannot be served).
 */
export async function negotiateNova(client: CloudClient, signal?: AbortSignal): Promise<string> {
    const answer = await client.call({
        service: 'compute',
        operation: 'getVersion',
        method: 'GET',
        path: '/',
        scope: ADMIN,
        signal,
    });
    const offered = minorOf(str(obj(answer.body, 'version'), 'version') ?? '');

    const chosen = Math.min(offered, MAX_NOVA_MINOR);
    if (!(chosen >= MIN_NOVA_MINOR)) throw tooOld(offered);
    return `2.${chosen}`;
}

function minorOf(version: string): number {
    const match = /^2\.(\d+)$/.exec(version);
    return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

function tooOld(offered: number): OpenStackError {
    const found = Number.isNaN(offered) ? 'no microversion' : `at most 2.${offered}`;
    return new OpenStackError({
        service: 'compute',
        operation: 'getVersion',
        kind: 'Invalid',
        status: 0,
        requestId: undefined,
        serviceMessage: `Nova offers ${found}; Bascule needs microversion 2.${MIN_NOVA_MINOR} or newer`,
    });
}
