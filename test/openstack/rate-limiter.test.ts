import { expect } from 'chai';

import { CloudRateLimiter } from '../../operator/openstack/rate-limiter.ts';
import type { Priority } from '../../operator/runtime/priority-picker.ts';
import { FakeClock } from '../unit/runtime/fake-clock.ts';

async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('openstack rate limiter: priorities over one bucket', () => {
    it('should let a burst through at once and then pace calls', async () => {
        const clock = new FakeClock();
        const limiter = new CloudRateLimiter(10, 2, clock);
        const served: number[] = [];
        for (let i = 0; i < 4; i++) void limiter.acquire('normal').then(() => served.push(i));

        await settle();
        expect(served).to.deep.equal([0, 1]);
        clock.advance(100);
        await settle();
        expect(served).to.deep.equal([0, 1, 2]);
    });

    it('should serve urgent calls ahead of queued normal and resync ones', async () => {
        const clock = new FakeClock();
        const limiter = new CloudRateLimiter(10, 1, clock);
        const order: Priority[] = [];
        await limiter.acquire('normal');
        for (const p of ['resync', 'normal', 'normal', 'urgent'] as const) {
            void limiter.acquire(p).then(() => order.push(p));
        }

        clock.advance(100);
        await settle();

        expect(order).to.deep.equal(['urgent']);
    });

    it('should never starve resync work behind a stream of urgent work', async () => {
        const clock = new FakeClock();
        const limiter = new CloudRateLimiter(10, 1, clock, { normalSkipLimit: 2, resyncSkipLimit: 3 });
        const order: Priority[] = [];
        await limiter.acquire('urgent');
        void limiter.acquire('resync').then(() => order.push('resync'));

        for (let i = 0; i < 5; i++) {
            void limiter.acquire('urgent').then(() => order.push('urgent'));
            clock.advance(100);
            await settle();
        }

        expect(order.slice(0, 4)).to.deep.equal(['urgent', 'urgent', 'urgent', 'resync']);
    });

    it('should report the time a call waited', async () => {
        const clock = new FakeClock();
        const limiter = new CloudRateLimiter(4, 1, clock);
        await limiter.acquire('normal');
        const waited = limiter.acquire('normal');

        clock.advance(250);

        expect(await waited).to.equal(250);
    });

    it('should drop a waiter whose signal aborts', async () => {
        const clock = new FakeClock();
        const limiter = new CloudRateLimiter(1, 1, clock);
        await limiter.acquire('normal');
        const controller = new AbortController();
        const waiting = limiter.acquire('resync', controller.signal);

        controller.abort(new Error('stop'));

        let message = '';
        await waiting.catch((err: unknown) => (message = (err as Error).message));
        expect(message).to.equal('stop');
        expect(limiter.waiting()).to.equal(0);
    });
});
