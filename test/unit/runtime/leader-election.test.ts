import { PassThrough } from 'node:stream';

import { expect } from 'chai';

import {
    LeaderElector,
    type ElectionSettings,
    type LeaseClient,
    type LeaseRecord,
} from '../../../operator/runtime/leader-election.ts';
import { createLogger } from '../../../operator/runtime/logging.ts';
import { FakeClock, settle } from './fake-clock.ts';

/** One Lease in memory, with the API server's optimistic concurrency. */
class MemoryLease {
    record: LeaseRecord | undefined;
    private version = 0;
    failing = false;

    client(): LeaseClient {
        return {
            get: () => this.call(() => (this.record === undefined ? undefined : { ...this.record })),
            create: (r) =>
                this.call(() => {
                    if (this.record !== undefined) throw Object.assign(new Error('exists'), { code: 409 });
                    return this.store(r);
                }),
            update: (r) =>
                this.call(() => {
                    if (r.resourceVersion !== this.record?.resourceVersion) {
                        throw Object.assign(new Error('conflict'), { code: 409 });
                    }
                    return this.store(r);
                }),
        };
    }

    private store(r: LeaseRecord): LeaseRecord {
        this.record = { ...r, resourceVersion: String(++this.version) };
        return { ...this.record };
    }

    private async call<T>(fn: () => T): Promise<T> {
        await Promise.resolve();
        if (this.failing) throw new Error('unreachable');
        return fn();
    }
}

const settings: ElectionSettings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

describe('LeaderElector', () => {
    let clock: FakeClock;
    let lease: MemoryLease;
    const log = createLogger('error', new PassThrough());

    function elector(identity: string, onLost?: () => void): LeaderElector {
        return new LeaderElector({ identity, client: lease.client(), log, settings, clock, onLost });
    }

    async function tick(ms: number, stepMs = 500): Promise<void> {
        for (let t = 0; t < ms; t += stepMs) {
            clock.advance(stepMs);
            await settle();
        }
    }

    beforeEach(() => {
        clock = new FakeClock();
        lease = new MemoryLease();
    });

    it('should take a free lease and record itself as holder', async () => {
        const a = elector('a');

        await a.start();

        expect(a.isLeader()).to.equal(true);
        expect(lease.record).to.include({
            holderIdentity: 'a',
            leaseDurationSeconds: 15,
            leaseTransitions: 0,
        });
        expect(lease.record?.renewTime).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
        await a.stop();
    });

    it('should let only one of two candidates lead while the leader renews', async () => {
        const a = elector('a');
        await a.start();
        const b = elector('b');
        void b.start();

        await tick(60_000);

        expect(a.isLeader()).to.equal(true);
        expect(b.isLeader()).to.equal(false);
        await Promise.all([a.stop(), b.stop()]);
    });

    it('should stop leading at the renew deadline, abort its signal, and report the loss', async () => {
        let lost = false;
        const a = elector('a', () => (lost = true));
        await a.start();

        lease.failing = true;
        clock.advance(9_999);
        expect(a.isLeader()).to.equal(true);
        // Checked against the clock itself: no timer needs to have run for leadership to end.
        clock.advance(1);
        expect(a.isLeader()).to.equal(false);

        await tick(2_000);
        expect(a.signal.aborted).to.equal(true);
        expect(lost).to.equal(true);
        await a.stop();
    });

    it('should let a candidate take over only a lease duration after the holder fell silent', async () => {
        // A holder that crashed: its record never changes again.
        lease.record = {
            holderIdentity: 'a',
            leaseDurationSeconds: 15,
            renewTime: 'frozen',
            resourceVersion: '0',
        };
        const b = elector('b');
        let ledAt: number | undefined;
        const started = clock.now();
        void b.start().then(() => (ledAt = clock.now()));

        await tick(14_000);
        expect(ledAt).to.equal(undefined);

        await tick(4_000);
        expect(b.isLeader()).to.equal(true);
        expect((ledAt ?? Infinity) - started).to.be.within(15_000, 15_000 + settings.retryPeriodMs);
        await b.stop();
    });

    it('should release the lease on stop so another takes over within a retry period', async () => {
        const a = elector('a');
        await a.start();
        const b = elector('b');
        void b.start();
        await tick(4_000);

        await a.stop();
        expect(lease.record?.holderIdentity).to.equal('');
        expect(a.signal.aborted).to.equal(true);
        await tick(settings.retryPeriodMs);

        expect(b.isLeader()).to.equal(true);
        expect(lease.record).to.include({ holderIdentity: 'b', leaseTransitions: 1 });
        await b.stop();
    });

    it('should refuse a renew deadline not shorter than the lease', () => {
        const bad = { leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
        const make = () =>
            new LeaderElector({ identity: 'a', client: lease.client(), log, clock, settings: bad });

        expect(make).to.throw(/renew deadline/);
    });
});
