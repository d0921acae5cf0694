import { ADMIN } from '../../openstack/identity.ts';
import type { Nova } from '../../openstack/nova.ts';
import type { Server } from '../../openstack/nova-views.ts';
import { errorFields, type Logger } from '../../runtime/logging.ts';
import { ownerFromTag } from './naming.ts';

export interface ObservationOptions {
    nova: Pick<Nova, 'listServers'>;
    intervalMs: number;
    /** The cursor is Nova's newest `updated` minus this margin (never the local clock). */
    marginMs: number;
    log: Logger;
    /** Called with every server that changed, by its owner UID (DELETED records included). */
    onChange: (ownerUid: string, server: Server) => void;
    /** Called with every listing's servers; `complete` when the listing had no cursor (all servers). */
    onServers?: (servers: readonly Server[], complete: boolean) => void;
    /** Aborts in-flight listings (lost leadership). */
    signal: () => AbortSignal;
}

/**
 * The one bulk observation of servers: an all-projects `changes-since` listing as admin every
 * interval, shared by every machine, so steady-state calls grow with what changes, never with the
 * number of machines. The first listing has no cursor and sees everything.
 *
 * NOTE: the periodic full safety-net listing is not separate yet: a failed tick keeps its cursor, so
 * nothing is skipped, but a server missed by Nova's own timestamps would wait for the resync.
 */
export class ServerObservation {
    private readonly opts: ObservationOptions;
    private cursor: string | undefined;
    /** Each server's last change notified, by ID. */
    private readonly seen = new Map<string, string>();
    private timer: NodeJS.Timeout | undefined;
    private stopped = false;

    constructor(opts: ObservationOptions) {
        this.opts = opts;
    }

    start(): void {
        this.schedule(0);
    }

    stop(): void {
        this.stopped = true;
        clearTimeout(this.timer);
    }

    /** One listing; exposed for tests. */
    async tick(): Promise<void> {
        const query = { allTenants: true, ...(this.cursor ? { changesSince: this.cursor } : {}) };
        const servers = await this.opts.nova.listServers(ADMIN, query, { signal: this.opts.signal() });
        this.opts.onServers?.(servers, this.cursor === undefined);
        for (const server of servers) this.notify(server);
        this.advance(servers);
    }

    /**
     * Tells the owners of a server that changed since it was last seen. The cursor's margin makes
     * consecutive listings overlap, so the same change arrives more than once; a machine is
     * requeued once per change, not once per listing.
     */
    private notify(server: Server): void {
        const fingerprint = [
            server.updated,
            server.status,
            server.taskState,
            server.locked,
            server.tags,
        ].join('|');
        if (server.status === 'DELETED') this.seen.delete(server.id);
        else if (this.seen.get(server.id) === fingerprint) return;
        else this.seen.set(server.id, fingerprint);

        for (const tag of server.tags) {
            const uid = ownerFromTag(tag);
            if (uid !== undefined) this.opts.onChange(uid, server);
        }
    }

    private advance(servers: Server[]): void {
        const newest = servers.map((s) => Date.parse(s.updated)).filter(Number.isFinite);
        if (newest.length === 0) return;
        const at = Math.max(...newest) - this.opts.marginMs;
        this.cursor = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }

    private schedule(delayMs: number): void {
        if (this.stopped) return;
        this.timer = setTimeout(() => {
            this.tick()
                .catch((err: unknown) => {
                    this.opts.log.verbose('Server observation failed', errorFields(err));
                })
                .finally(() => {
                    this.schedule(this.opts.intervalMs);
                });
        }, delayMs);
        this.timer.unref();
    }
}
