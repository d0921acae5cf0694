import { expect } from 'chai';

import { AnswerCache } from '../../operator/openstack/answer-cache.ts';
import { FakeClock } from '../unit/runtime/fake-clock.ts';

describe('the answer cache of read-only cloud lookups', () => {
    const ages = { referenceCacheMs: 30_000, referenceMissRefreshMs: 2_000 };
    let clock: FakeClock;
    let cache: AnswerCache<string[]>;
    let calls: number;
    let answer: string[];
    const load = async () => {
        calls++;
        await Promise.resolve();
        return [...answer];
    };
    const named = (name: string) => (names: string[]) => names.filter((n) => n === name);

    beforeEach(() => {
        clock = new FakeClock();
        cache = new AnswerCache(clock, ages);
        calls = 0;
        answer = ['m1.tiny', 'm1.small'];
    });

    it('should share one lookup among concurrent callers', async () => {
        const found = await Promise.all(
            Array.from({ length: 32 }, () => cache.find('p', load, named('m1.tiny'))),
        );

        expect(calls).to.equal(1);
        expect(found.every((f) => f.length === 1)).to.equal(true);
    });

    it('should reuse an answer until it is older than the cache age', async () => {
        await cache.find('p', load, named('m1.tiny'));
        clock.advance(29_000);
        await cache.find('p', load, named('m1.small'));
        expect(calls).to.equal(1);

        clock.advance(2_000);
        await cache.find('p', load, named('m1.tiny'));
        expect(calls).to.equal(2);
    });

    it('should look again at once for a name missing from an answer older than the miss refresh', async () => {
        await cache.find('p', load, named('m1.tiny'));
        answer.push('m1.new');

        expect(await cache.find('p', load, named('m1.new'))).to.deep.equal([]);
        clock.advance(2_500);
        expect(await cache.find('p', load, named('m1.new'))).to.deep.equal(['m1.new']);
        expect(calls).to.equal(2);
    });

    it('should keep answers apart by key, and keep no failure', async () => {
        await cache.find('p1', load, named('m1.tiny'));
        await cache.find('p2', load, named('m1.tiny'));
        expect(calls).to.equal(2);

        const failing = () => Promise.reject(new Error('503'));
        const err = await cache.find('p3', failing, named('m1.tiny')).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(Error);
        expect(await cache.find('p3', load, named('m1.tiny'))).to.deep.equal(['m1.tiny']);
    });

    it("should stop a caller's wait when its signal aborts, leaving the lookup to the others", async () => {
        const { promise, resolve } = Promise.withResolvers<string[]>();
        const slow = () => promise;
        const aborted = new AbortController();
        const first = cache.find('p', slow, named('m1.tiny'), aborted.signal).catch((e: unknown) => e);
        const second = cache.find('p', slow, named('m1.tiny'));
        aborted.abort(new Error('lease lost'));
        resolve(['m1.tiny']);

        expect(await first).to.be.instanceOf(Error);
        expect(await second).to.deep.equal(['m1.tiny']);
    });
});
