import { ADMIN } from '../../openstack/identity.ts';
import type { Server } from '../../openstack/nova-views.ts';
import { errorFields } from '../../runtime/logging.ts';
import { installTag, METADATA_NAME, METADATA_NAMESPACE, ownerTag } from '../shared/naming.ts';
import type { Orphan } from '../shared/orphan-report.ts';
import type { VirtualMachine } from '../virtualmachine/types.ts';
import type { SweepDeps } from './deps.ts';
import { DuplicateWatch, type ReapResult } from './duplicate-watch.ts';
import { orphanOf, publishOrphans } from './orphans.ts';
import { groupByOwner, oldest } from './plan.ts';
import { reapDuplicates } from './reap.ts';

/**
 * The periodic sweep of this installation's servers, one all-projects listing by its tag per pass:
 * - an owner with several servers has its extras reaped (reap.ts);
 * - a server whose owner is confirmed gone — a live read of the machine named in its metadata
 *   answers 404 — is an orphan: reported, and deleted only when opted in (orphans.ts);
 * - a server whose namespace and name belong to a live machine with another UID (a restore, a
 *   recreate) is offered to that machine for re-adoption, never deleted.
 * It acts only while this process may (informers synced, leading). A live read is made only for an
 * owner this process has not reconciled or one with several servers, so steady state costs the
 * listing alone. Between passes, the bulk observation's servers (observed()) let it reap a
 * duplicate as soon as it is a settle window old (duplicate-watch.ts).
 */
export class ServerSweep {
    private readonly deps: SweepDeps;
    private readonly watch: DuplicateWatch;
    private timer: NodeJS.Timeout | undefined;
    private stopped = false;

    constructor(deps: SweepDeps) {
        this.deps = deps;
        this.watch = new DuplicateWatch({
            settleWindowMs: deps.settings.settleWindowMs,
            clock: deps.clock,
            reap: (uid) => this.reapOwner(uid),
            log: deps.log,
        });
    }

    /** A server of owner `uid` as the bulk observation listed it; other installations' are ignored. */
    observed(uid: string, server: Server): void {
        if (server.tags.includes(installTag(this.deps.installationId))) this.watch.observe(uid, server);
    }

    start(): void {
        this.schedule(this.deps.settings.sweepIntervalMs);
    }

    stop(): void {
        this.stopped = true;
        clearTimeout(this.timer);
        this.watch.stop();
    }

    /** One pass; exposed for tests. */
    async pass(): Promise<void> {
        if (!this.deps.acting()) return;
        const signal = this.deps.signal();
        const tags = [installTag(this.deps.installationId)];
        const servers = await this.deps.cloud.nova.listServers(ADMIN, { allTenants: true, tags }, { signal });

        const orphans: Orphan[] = [];
        for (const [uid, group] of groupByOwner(servers)) {
            try {
                orphans.push(...(await this.examine(uid, group, signal)));
            } catch (err) {
                if (signal.aborted) throw err;
                this.deps.log.verbose('Sweep of one owner failed', { ownerUid: uid, ...errorFields(err) });
            }
        }
        await publishOrphans(this.deps, orphans, signal);
    }

    /**
     * Reaps one live owner's extras now, from a listing by its owner tag. Orphans and re-adoption
     * are left to the pass, whose report covers every owner at once.
     */
    async reapOwner(uid: string): Promise<ReapResult> {
        if (!this.deps.acting()) return 'idle';
        const signal = this.deps.signal();
        const tags = [installTag(this.deps.installationId), ownerTag(uid)];
        const servers = await this.deps.cloud.nova.listServers(ADMIN, { allTenants: true, tags }, { signal });
        const group = groupByOwner(servers).get(uid) ?? [];
        const key = this.deps.knownOwner(uid) ?? ownerKey(group);
        if (group.length < 2 || key === undefined) return 'done';

        const found: unknown = await this.deps.machines.get(key);
        const live = found as VirtualMachine | undefined;
        if (live?.metadata?.uid !== uid) return 'done';
        const plan = await reapDuplicates(this.deps, live, group, signal);
        return plan.held === undefined ? 'done' : 'held';
    }

    /** One owner's servers: reaped, re-adopted, reported as orphans, or (mostly) left alone. */
    private async examine(uid: string, group: Server[], signal: AbortSignal): Promise<Orphan[]> {
        const known = this.deps.knownOwner(uid);
        if (known !== undefined && group.length === 1) return [];
        const key = known ?? ownerKey(group);
        // NOTE: a server without Bascule's metadata names no machine to read, so it can be neither
        // confirmed an orphan nor re-adopted; it is left alone (and logged at verbose).
        if (key === undefined) {
            this.deps.log.verbose('Server names no owner', { ownerUid: uid });
            return [];
        }

        const found: unknown = await this.deps.machines.get(key);
        const live = found as VirtualMachine | undefined;
        if (live === undefined) return group.map((s) => orphanOf(this.deps, s, key, uid, false));
        if (live.metadata?.uid === uid) {
            await reapDuplicates(this.deps, live, group, signal);
            return [];
        }
        return this.readopt(live, key, uid, group);
    }

    /**
     * A live machine of the same namespace and name, with another UID. With no server of its own
     * and no create under way it is offered the oldest server; otherwise the servers are reported
     * as claimed orphans, never deleted.
     *
     * NOTE: a restored machine whose first reconcile runs before a sweep creates a server of its own,
     * and the earlier one is then only reported. Looking for a same-named server before a first
     * create would close that race, at one listing per create.
     */
    private readopt(live: VirtualMachine, key: string, uid: string, group: Server[]): Orphan[] {
        const status = live.status;
        const newUid = live.metadata?.uid ?? '';
        // Already re-adopted: its reconciler replaces the stale owner tag.
        if (group.some((s) => s.id === status?.serverID)) {
            this.deps.enqueueMachine(key);
            return [];
        }
        if (status?.serverID === undefined && status?.createAttempt === undefined) {
            const server = oldest(group);
            this.deps.offer(newUid, server.id);
            this.deps.enqueueMachine(key);
            this.deps.log.info('Server offered for re-adoption', { key, serverId: server.id });
            return group.filter((s) => s !== server).map((s) => orphanOf(this.deps, s, key, uid, true));
        }
        return group.map((s) => orphanOf(this.deps, s, key, uid, true));
    }

    private schedule(delayMs: number): void {
        if (this.stopped) return;
        this.timer = setTimeout(() => {
            this.pass()
                .catch((err: unknown) => {
                    this.deps.log.verbose('Server sweep failed', errorFields(err));
                })
                .finally(() => {
                    this.schedule(this.deps.settings.sweepIntervalMs);
                });
        }, delayMs);
        this.timer.unref();
    }
}

/** `namespace/name` from Bascule's metadata on a server, when both are there. */
function ownerKey(group: readonly Server[]): string | undefined {
    for (const server of group) {
        const namespace = server.metadata[METADATA_NAMESPACE];
        const name = server.metadata[METADATA_NAME];
        if (namespace && name) return `${namespace}/${name}`;
    }
    return undefined;
}
