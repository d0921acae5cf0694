import { expect } from 'chai';

import { KeyBackoff, TokenBucket } from '../../../operator/runtime/rate-limit.ts';
import { WorkQueue, type WorkItem } from '../../../operator/runtime/workqueue.ts';
import { FakeClock, settle } from './fake-clock.ts';

/** Resolves to the item, or 'pending' when get() did not resolve once pending callbacks ran. */
async function peek(promise: Promise<WorkItem | undefined>): Promise<WorkItem | undefined | 'pending'> {
    let result: WorkItem | undefined | 'pending' = 'pending';
    void promise.then((item) => (result = item));
    await settle();
    return result;
}

async function drain(queue: WorkQueue, count: number): Promise<string[]> {
    const keys: string[] = [];
    for (let i = 0; i < count; i++) {
        const item = await queue.get();
        if (item === undefined) break;
        keys.push(item.key);
        queue.done(item.key);
    }
    return keys;
}

describe('WorkQueue', () => {
    let clock: FakeClock;
    let queue: WorkQueue;

    beforeEach(() => {
        clock = new FakeClock();
        queue = new WorkQueue({
            clock,
            backoff: { baseDelayMs: 100, maxDelayMs: 1000 },
            qps: 10,
            burst: 100,
        });
    });

    it('should hold one entry per key however often it is added', () => {
        queue.add('a');
        queue.add('a');
        queue.add('b');

        expect(queue.len()).to.equal(2);
    });

    it('should never hand a key to a second worker while the first holds it', async () => {
        queue.add('a');
        const first = await queue.get();
        queue.add('a');

        const second = queue.get();
        expect(await peek(second)).to.equal('pending');

        queue.done('a');
        expect(first?.key).to.equal('a');
        expect(await peek(second)).to.deep.equal({ key: 'a', priority: 'normal' });
    });

    it('should serve urgent before normal before resync', async () => {
        queue.add('r', 'resync');
        queue.add('n', 'normal');
        queue.add('u', 'urgent');

        expect(await drain(queue, 3)).to.deep.equal(['u', 'n', 'r']);
    });

    it('should raise a queued key to the more urgent priority and never lower it', async () => {
        queue.add('x', 'normal');
        queue.add('a', 'resync');
        queue.add('a', 'urgent');
        queue.add('x', 'resync');

        expect(await drain(queue, 2)).to.deep.equal(['a', 'x']);
    });

    it('should serve urgent work within two dispatches behind a flood of normal work', async () => {
        for (let i = 0; i < 50; i++) queue.add(`n${i}`);
        await drain(queue, 10);

        queue.add('u', 'urgent');
        const next = await drain(queue, 2);

        expect(next).to.include('u');
    });

    it('should never starve resync work behind continuous urgent and normal work', async () => {
        queue.add('r', 'resync');
        const served: string[] = [];
        for (let i = 0; i < 12 && !served.includes('r'); i++) {
            queue.add(`u${i}`, 'urgent');
            queue.add(`n${i}`, 'normal');
            served.push(...(await drain(queue, 1)));
        }

        expect(served).to.include('r');
        expect(served.indexOf('r')).to.be.at.most(9);
    });

    it('should delay rate-limited retries exponentially, capped, until forgotten', async () => {
        const delays: number[] = [];
        for (let i = 0; i < 6; i++) {
            queue.addRateLimited('a');
            const before = clock.now();
            for (let waited = 0; queue.len() === 0 && waited < 10_000; waited += 10) clock.advance(10);
            delays.push(clock.now() - before);
            await drain(queue, 1);
        }

        expect(delays).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
        expect(queue.numRequeues('a')).to.equal(6);
        queue.forget('a');
        expect(queue.numRequeues('a')).to.equal(0);
    });

    it('should keep the earliest of several delayed adds of one key', () => {
        queue.addAfter('a', 5000);
        queue.addAfter('a', 1000);
        queue.addAfter('a', 3000);

        clock.advance(999);
        expect(queue.len()).to.equal(0);
        clock.advance(1);
        expect(queue.len()).to.equal(1);
        clock.advance(5000);
        expect(queue.len()).to.equal(1);
    });

    it('should release waiting workers and drop delayed work on shutdown', async () => {
        queue.addAfter('later', 1000);
        const waiting = queue.get();

        queue.shutDown();
        queue.add('b');

        expect(await peek(waiting)).to.equal(undefined);
        expect(clock.timerCount()).to.equal(0);
        expect(queue.len()).to.equal(0);
    });

    it('should report how long workers have held their items', async () => {
        queue.add('a');
        queue.add('b');
        await queue.get();
        clock.advance(2000);
        await queue.get();
        clock.advance(1000);

        expect(queue.inFlight()).to.deep.equal({ unfinishedSeconds: 4, longestSeconds: 3 });
    });
});

describe('TokenBucket', () => {
    const cases: { name: string; qps: number; burst: number; gapsMs: number[]; expected: number[] }[] = [
        { name: 'serve a burst at once', qps: 1, burst: 3, gapsMs: [0, 0, 0], expected: [0, 0, 0] },
        { name: 'space calls past the burst', qps: 2, burst: 1, gapsMs: [0, 0, 0], expected: [0, 500, 1000] },
        { name: 'refill while idle', qps: 1, burst: 1, gapsMs: [0, 0, 2000], expected: [0, 1000, 0] },
    ];

    for (const { name, qps, burst, gapsMs, expected } of cases) {
        it(`should ${name}`, () => {
            const clock = new FakeClock();
            const bucket = new TokenBucket(qps, burst, clock);

            const delays = gapsMs.map((gap) => {
                clock.advance(gap);
                return bucket.reserve();
            });

            expect(delays).to.deep.equal(expected);
        });
    }
});

describe('KeyBackoff', () => {
    it('should keep keys apart', () => {
        const backoff = new KeyBackoff({ baseDelayMs: 10, maxDelayMs: 100 });
        expect([backoff.next('a'), backoff.next('a'), backoff.next('b')]).to.deep.equal([10, 20, 10]);
    });
});
