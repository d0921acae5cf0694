/**
 * The machines this process has reconciled, by UID and by key, for the bulk observation and the
 * sweep. A key holds one UID at a time (a recreated machine replaces its predecessor), and a key
 * gone from the cache is forgotten, so a UID here is a hint that the machine lives, never proof.
 */
export class OwnerIndex {
    private readonly keys = new Map<string, string>();
    private readonly uids = new Map<string, string>();

    set(uid: string, key: string): void {
        const previous = this.uids.get(key);
        if (previous !== undefined && previous !== uid) this.keys.delete(previous);
        this.keys.set(uid, key);
        this.uids.set(key, uid);
    }

    keyOf(uid: string): string | undefined {
        return this.keys.get(uid);
    }

    forget(key: string): void {
        const uid = this.uids.get(key);
        if (uid !== undefined) this.keys.delete(uid);
        this.uids.delete(key);
    }
}
