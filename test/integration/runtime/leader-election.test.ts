import { PassThrough } from 'node:stream';

import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';

import { kubeLeaseClient } from '../../../operator/runtime/lease-client.ts';
import { LeaderElector, TEST_ELECTION, type LeaseClient } from '../../../operator/runtime/leader-election.ts';
import { createLogger } from '../../../operator/runtime/logging.ts';
import { eventually, localCluster, requireCluster, testNamespace } from './cluster.ts';

/** A lease client that records when each successful write was attempted, and can be cut off. */
class InstrumentedLease implements LeaseClient {
    cutOff = false;
    /** Start times of attempts whose write succeeded: the instants leadership was last confirmed. */
    renewals: number[] = [];
    private attemptStart = 0;
    private readonly inner: LeaseClient;

    constructor(inner: LeaseClient) {
        this.inner = inner;
    }

    get() {
        this.attemptStart = Date.now();
        return this.cutOff ? Promise.reject(new Error('network cut by test')) : this.inner.get();
    }

    create(record: Parameters<LeaseClient['create']>[0]) {
        return this.confirm(this.inner.create(record));
    }

    update(record: Parameters<LeaseClient['update']>[0]) {
        return this.confirm(this.inner.update(record));
    }

    private async confirm<T>(write: Promise<T>): Promise<T> {
        const started = this.attemptStart;
        const result = await write;
        this.renewals.push(started);
        return result;
    }
}

describe('leader election against the local API server', function () {
    this.timeout(60_000);
    const log = createLogger('error', new PassThrough());
    let kc: KubeConfig;

    before(async function () {
        const cluster = await localCluster();
        requireCluster(this, cluster);
        kc = cluster;
    });

    function candidate(namespace: string, identity: string) {
        const client = new InstrumentedLease(kubeLeaseClient(kc, namespace, 'bascule-leader'));
        const elector = new LeaderElector({ identity, client, log, settings: TEST_ELECTION });
        return { client, elector };
    }

    it('should hand over within a retry period when the leader releases the lease', async () => {
        const namespace = testNamespace('lease');
        const a = candidate(namespace, 'a');
        const b = candidate(namespace, 'b');
        await a.elector.start();
        const bLeads = b.elector.start();
        await new Promise((r) => setTimeout(r, 2 * TEST_ELECTION.retryPeriodMs));
        expect(b.elector.isLeader()).to.equal(false);

        const released = Date.now();
        await a.elector.stop();
        await bLeads;

        expect(b.elector.isLeader()).to.equal(true);
        expect(Date.now() - released).to.be.below(TEST_ELECTION.leaseDurationMs);
        await b.elector.stop();
    });

    it('should start no reconcile after the renew deadline passed without renewal', async () => {
        const namespace = testNamespace('lease');
        const a = candidate(namespace, 'a');
        const b = candidate(namespace, 'b');
        await a.elector.start();
        void b.elector.start();

        // A stand-in for the controller's gate: try to start a "reconcile" every 20 ms.
        const starts: number[] = [];
        const ticker = setInterval(() => {
            if (a.elector.isLeader()) starts.push(Date.now());
        }, 20);
        await new Promise((r) => setTimeout(r, 1_000));
        a.client.cutOff = true;
        await eventually(() => a.elector.signal.aborted, 10_000);
        await eventually(() => b.elector.isLeader(), 10_000);
        clearInterval(ticker);

        expect(starts.length).to.be.above(10);
        for (const start of starts) {
            const confirmed = Math.max(...a.client.renewals.filter((r) => r <= start));
            expect(start - confirmed).to.be.below(TEST_ELECTION.renewDeadlineMs);
        }
        expect(Math.max(...starts)).to.be.below(Math.min(...b.client.renewals));
        await Promise.all([a.elector.stop(), b.elector.stop()]);
    });
});
