import type { Server } from '../../openstack/nova-views.ts';
import type { Clock, Timer } from '../../runtime/clock.ts';
import { errorFields, type Logger } from '../../runtime/logging.ts';

/** What one owner's reaping came to: done, held by planReap, or not tried (this process may not act). */
export type ReapResult = 'done' | 'held' | 'idle';

export interface DuplicateWatchOptions {
    settleWindowMs: number;
    clock: Clock;
    /** Reaps the extras of one owner now, as the sweep would. */
    reap(ownerUid: string): Promise<ReapResult>;
    log: Logger;
}

/** A standby re-checks whether it leads this often; the check is in memory, with no cloud call. */
const IDLE_RETRY_MS = 1_000;
/** Node may fire a timer a millisecond early; planReap must see the extra a full window old. */
const TIMER_MARGIN_MS = 10;

/**
 * Reaps a duplicate as soon as the bulk observation shows it, instead of at the next sweep: from
 * the observation's listings it keeps each owner tag's live server IDs, and when an owner gains a
 * second server it reaps that owner once the youngest extra is one settle window old (younger, it
 * may be an in-flight create whose ID is not in status yet, and planReap holds it). A duplicate so
 * lives one settle window and an observation interval, not up to a sweep interval more. A reaping
 * that planReap holds (a create settling, a down cell) is tried again a quarter window later.
 *
 * NOTE: the index holds one entry per live server of the cloud (an ID and a time), a few MB for
 * 12,000 machines; reading the owners' recorded IDs from the informer cache instead would spare it,
 * at the cost of coupling the sweep to the VirtualMachine controller's cache.
 */
export class DuplicateWatch {
    private readonly opts: DuplicateWatchOptions;
    /** Live servers by owner UID: server ID to Nova's `created`, in ms. */
    private readonly live = new Map<string, Map<string, number>>();
    private readonly timers = new Map<string, Timer>();
    private stopped = false;

    constructor(opts: DuplicateWatchOptions) {
        this.opts = opts;
    }

    /** One server of owner `uid` as a listing showed it (DELETED records included). */
    observe(uid: string, server: Server): void {
        // A down cell's record says nothing about the server.
        if (server.status === 'UNKNOWN') return;
        const servers = this.live.get(uid) ?? new Map<string, number>();
        if (server.status === 'DELETED' || server.taskState === 'deleting') {
            servers.delete(server.id);
            if (servers.size === 0) this.live.delete(uid);
            return;
        }

        const added = !servers.has(server.id);
        servers.set(server.id, Date.parse(server.created));
        this.live.set(uid, servers);
        if (!added || servers.size < 2) return;
        const youngest = Math.max(...servers.values());
        this.schedule(uid, youngest + this.opts.settleWindowMs + TIMER_MARGIN_MS - this.opts.clock.now());
    }

    /** How many live servers the watch counts for `uid`; exposed for tests. */
    count(uid: string): number {
        return this.live.get(uid)?.size ?? 0;
    }

    stop(): void {
        this.stopped = true;
        for (const timer of this.timers.values()) timer.cancel();
        this.timers.clear();
    }

    private schedule(uid: string, delayMs: number): void {
        if (this.stopped) return;
        this.timers.get(uid)?.cancel();
        const timer = this.opts.clock.setTimer(() => {
            this.timers.delete(uid);
            void this.fire(uid);
        }, delayMs);
        this.timers.set(uid, timer);
    }

    private async fire(uid: string): Promise<void> {
        if (this.count(uid) < 2) return;
        const result = await this.opts.reap(uid).catch((err: unknown) => {
            this.opts.log.verbose('Reaping on observation failed', { ownerUid: uid, ...errorFields(err) });
            return 'held' as const;
        });
        // A new server of this owner reschedules on its own; only a pending one is retried here.
        if (this.timers.has(uid)) return;
        if (result === 'idle') this.schedule(uid, IDLE_RETRY_MS);
        if (result === 'held') this.schedule(uid, this.opts.settleWindowMs / 4);
    }
}
