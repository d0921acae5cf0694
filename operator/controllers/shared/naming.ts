import { createHash } from 'node:crypto';

/** Nova server names and hostnames Bascule derives stay within this many characters. */
export const MAX_SERVER_NAME = 63;
const HASH_CHARS = 8;

/** Bascule's reserved prefix for Nova tags and metadata keys; users may not use it. */
export const RESERVED_PREFIX = 'bascule';

/**
 * The server name of a VirtualMachine: `<namespace>-<name>`, deterministic, at most 63 characters.
 * A longer one is cut and given a hash of the full pair, so two long names never collide.
 */
export function serverName(namespace: string, name: string): string {
    const full = `${namespace}-${name}`;
    if (full.length <= MAX_SERVER_NAME) return full;

    const hash = createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, HASH_CHARS);
    const head = full.slice(0, MAX_SERVER_NAME - HASH_CHARS - 1).replace(/[-.]+$/, '');
    return `${head}-${hash}`;
}

/** The tag every project and server of this installation carries. */
export function installTag(installationId: string): string {
    return `${RESERVED_PREFIX}-install-${installationId}`;
}

/** The tag naming a server's owning object, by UID (tags are filterable, metadata is not). */
export function ownerTag(uid: string): string {
    return `${RESERVED_PREFIX}-uid-${uid}`;
}

/** The owner UID a tag names, or undefined when it is not an owner tag. */
export function ownerFromTag(tag: string): string | undefined {
    const prefix = `${RESERVED_PREFIX}-uid-`;
    return tag.startsWith(prefix) ? tag.slice(prefix.length) : undefined;
}

/** Metadata keys Bascule writes on servers, for people reading Nova. */
export const METADATA_NAMESPACE = `${RESERVED_PREFIX}.io/namespace`;
export const METADATA_NAME = `${RESERVED_PREFIX}.io/name`;

/**
 * The lock reason of a server this installation parked: Bascule's reserved prefix, then the
 * installation's ID. Drift rules leave other locks alone, but not these (ARBITER.md).
 */
export function parkingLockReason(installationId: string): string {
    return `${ownLockPrefix(installationId)}parked`;
}

/** Whether a lock reason is one this installation set (another installation's lock is not ours). */
export function isOwnLockReason(reason: string | undefined, installationId: string): boolean {
    return reason?.startsWith(ownLockPrefix(installationId)) === true;
}

function ownLockPrefix(installationId: string): string {
    return `${RESERVED_PREFIX}:${installationId}:`;
}
