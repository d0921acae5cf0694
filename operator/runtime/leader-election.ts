import { realClock, sleep, type Clock } from './clock.ts';
import type { SettingsProfile } from './config.ts';
import { microTime } from './kube-object.ts';
import type { Logger } from './logging.ts';
import { errorFields } from './logging.ts';

/** The fields of a coordination.k8s.io/v1 Lease that election uses. Times are RFC 3339 (micro). */
export interface LeaseRecord {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
    /** Optimistic concurrency: an update fails with a conflict unless this is current. */
    resourceVersion?: string;
}

/** Reads and writes one Lease. create() and update() reject when another writer got there first. */
export interface LeaseClient {
    get(): Promise<LeaseRecord | undefined>;
    create(record: LeaseRecord): Promise<LeaseRecord>;
    update(record: LeaseRecord): Promise<LeaseRecord>;
}

/** Election timings; the renew deadline MUST be shorter than the lease, the retry period shorter still. */
export interface ElectionSettings {
    leaseDurationMs: number;
    renewDeadlineMs: number;
    retryPeriodMs: number;
}

/** client-go's and controller-runtime's defaults. */
export const PRODUCTION_ELECTION: ElectionSettings = {
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
};

/** Short timings for tests and the demo. */
export const TEST_ELECTION: ElectionSettings = {
    leaseDurationMs: 3_000,
    renewDeadlineMs: 2_000,
    retryPeriodMs: 400,
};

/** The election timings of each `--settings-profile`: the demo hands over as fast as tests do. */
export const ELECTION_PROFILES: Record<SettingsProfile, ElectionSettings> = {
    production: PRODUCTION_ELECTION,
    demo: TEST_ELECTION,
    test: TEST_ELECTION,
};

export interface LeaderElectorOptions {
    identity: string;
    client: LeaseClient;
    log: Logger;
    settings?: ElectionSettings;
    clock?: Clock;
    /** Called once, when leadership is lost (not when it is released). */
    onLost?: () => void;
    onLeaderChange?: (leading: boolean) => void;
}

/**
 * Leader election on a Lease, as client-go does it. A lease held by another is considered expired
 * only a full lease duration after this process last saw it change, by its own clock, so clock skew
 * between processes does not matter. The leader renews every retry period; when no renewal has
 * succeeded for the renew deadline, it stops leading: isLeader() turns false at that instant
 * (checked against the clock, not a timer, so a late timer cannot extend leadership) and the
 * leadership signal aborts, which cancels every in-flight cloud call made under it.
 */
export class LeaderElector {
    private readonly opts: LeaderElectorOptions;
    private readonly settings: ElectionSettings;
    private readonly clock: Clock;
    private readonly stopping = new AbortController();
    private leadership = new AbortController();
    private observed: { record: LeaseRecord; at: number } | undefined;
    private lastRenew: number | undefined;
    private running: Promise<void> | undefined;

    constructor(opts: LeaderElectorOptions) {
        this.opts = opts;
        this.settings = opts.settings ?? PRODUCTION_ELECTION;
        this.clock = opts.clock ?? realClock;
        if (this.settings.renewDeadlineMs >= this.settings.leaseDurationMs) {
            throw new Error('renew deadline must be shorter than the lease duration');
        }
    }

    /** True while this process leads: its last renewal is younger than the renew deadline. */
    isLeader(): boolean {
        return (
            this.lastRenew !== undefined && this.clock.now() - this.lastRenew < this.settings.renewDeadlineMs
        );
    }

    /** Aborts when leadership ends (lost or released); hand it to every cloud call. */
    get signal(): AbortSignal {
        return this.leadership.signal;
    }

    /** Resolves once this process leads, or when stop() is called first. Keeps renewing after. */
    async start(): Promise<void> {
        const acquired = new Promise<void>((resolve) => {
            this.running = this.run(resolve);
        });
        await Promise.race([acquired, this.running]);
    }

    /** Stops campaigning and renewing, and releases the lease if held so another takes over at once. */
    async stop(): Promise<void> {
        this.stopping.abort();
        await this.running;
        if (this.lastRenew === undefined) return;

        this.lastRenew = undefined;
        this.leadership.abort(new Error('leadership released'));
        this.opts.onLeaderChange?.(false);
        await this.release();
    }

    private async run(onAcquired: () => void): Promise<void> {
        while (!this.stopping.signal.aborted) {
            if (!(await this.tryAcquireOrRenew())) {
                await this.pause();
                continue;
            }
            this.leadership = new AbortController();
            this.opts.log.info('Leader election won', { identity: this.opts.identity });
            this.opts.onLeaderChange?.(true);
            onAcquired();

            await this.renewLoop();
            return;
        }
    }

    private async renewLoop(): Promise<void> {
        for (;;) {
            await this.pause();
            if (this.stopping.signal.aborted) return;
            if (!this.isLeader()) break;
            await this.tryAcquireOrRenew();
            if (!this.isLeader()) break;
        }

        this.lastRenew = undefined;
        this.opts.log.error('Leader election lost', { identity: this.opts.identity });
        this.leadership.abort(new Error('leadership lost'));
        this.opts.onLeaderChange?.(false);
        this.opts.onLost?.();
    }

    /** One attempt; true when this process holds the lease afterwards. */
    private async tryAcquireOrRenew(): Promise<boolean> {
        const now = this.clock.now();
        try {
            const current = await this.opts.client.get();
            if (current === undefined) {
                await this.opts.client.create(this.recordFor(undefined, now));
            } else {
                this.observe(current, now);
                if (this.heldByOther(current, now)) return false;
                await this.opts.client.update(this.recordFor(current, now));
            }
            // Count the renewal from when the attempt began: the write may have taken a while.
            this.lastRenew = now;
            return true;
        } catch (err) {
            this.opts.log.verbose('Lease update failed', {
                identity: this.opts.identity,
                ...errorFields(err),
            });
            return false;
        }
    }

    private observe(record: LeaseRecord, now: number): void {
        const previous = this.observed?.record;
        const changed =
            previous === undefined ||
            previous.holderIdentity !== record.holderIdentity ||
            previous.renewTime !== record.renewTime;
        if (changed) this.observed = { record, at: now };
    }

    private heldByOther(record: LeaseRecord, now: number): boolean {
        const holder = record.holderIdentity ?? '';
        if (holder === '' || holder === this.opts.identity) return false;
        const durationMs = (record.leaseDurationSeconds ?? 0) * 1000;
        return (this.observed?.at ?? now) + durationMs > now;
    }

    private recordFor(current: LeaseRecord | undefined, now: number): LeaseRecord {
        const time = microTime(now);
        const keeps = current?.holderIdentity === this.opts.identity;
        return {
            holderIdentity: this.opts.identity,
            leaseDurationSeconds: Math.ceil(this.settings.leaseDurationMs / 1000),
            acquireTime: keeps ? current.acquireTime : time,
            renewTime: time,
            leaseTransitions: (current?.leaseTransitions ?? 0) + (keeps || current === undefined ? 0 : 1),
            resourceVersion: current?.resourceVersion,
        };
    }

    /** Clears the holder so the next candidate need not wait out the lease. */
    private async release(): Promise<void> {
        try {
            const current = await this.opts.client.get();
            if (current?.holderIdentity !== this.opts.identity) return;
            const time = microTime(this.clock.now());
            await this.opts.client.update({
                ...current,
                holderIdentity: '',
                leaseDurationSeconds: 1,
                renewTime: time,
            });
            this.opts.log.info('Lease released', { identity: this.opts.identity });
        } catch (err) {
            this.opts.log.warn('Lease release failed', { identity: this.opts.identity, ...errorFields(err) });
        }
    }

    private async pause(): Promise<void> {
        await sleep(this.clock, this.settings.retryPeriodMs, this.stopping.signal).catch(() => undefined);
    }
}
