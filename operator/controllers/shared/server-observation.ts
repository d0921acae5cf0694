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
    /** Called with the owner UID of every server that changed (DELETED records included). */
    onChange: (ownerUid: string) => void;
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
        for (const server of servers) this.notify(server);
        this.advance(servers);
    }

    private notify(server: Server): void {
        for (const tag of server.tags) {
            const uid = ownerFromTag(tag);
            if (uid !== undefined) this.opts.onChange(uid);
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
