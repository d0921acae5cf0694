import { expect } from 'chai';

import { DuplicateWatch, type ReapResult } from '../../../operator/controllers/sweep/duplicate-watch.ts';
import { parseServer, type Server } from '../../../operator/openstack/nova-views.ts';
import { createLogger } from '../../../operator/runtime/logging.ts';
import { FakeClock } from '../runtime/fake-clock.ts';

const SETTLE = 10_000;

describe('the duplicate watch (reaping on observation)', () => {
    let clock: FakeClock;
    let reaped: string[];
    let answer: ReapResult;
    let watch: DuplicateWatch;

    const server = (id: string, createdAgoMs: number, extra: Partial<Server> = {}): Server => {
        const created = new Date(clock.now() - createdAgoMs).toISOString();
        return { ...parseServer({ id, status: 'ACTIVE', created, tags: ['bascule-uid-u1'] }), ...extra };
    };
    // The reap is asynchronous; let its promise settle before the next step.
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    beforeEach(() => {
        clock = new FakeClock();
        reaped = [];
        answer = 'done';
        watch = new DuplicateWatch({
            settleWindowMs: SETTLE,
            clock,
            reap: (uid) => {
                reaped.push(uid);
                return Promise.resolve(answer);
            },
            log: createLogger('error'),
        });
    });

    afterEach(() => {
        watch.stop();
    });

    it('should not reap an owner with one server, however often it is seen', () => {
        watch.observe('u1', server('a', 60_000));
        watch.observe('u1', server('a', 60_000));
        clock.advance(10 * SETTLE);

        expect(reaped).to.deep.equal([]);
    });

    it('should reap a second server once it is one settle window old, not before', () => {
        watch.observe('u1', server('a', 60_000));
        watch.observe('u1', server('b', 2_000));

        clock.advance(SETTLE - 2_000 - 1);
        expect(reaped).to.deep.equal([]);
        clock.advance(20);
        expect(reaped).to.deep.equal(['u1']);
    });

    it('should reap at once an extra already older than the window (a restart sees it late)', () => {
        watch.observe('u1', server('a', 60_000));
        watch.observe('u1', server('b', 30_000));
        clock.advance(0);

        expect(reaped).to.deep.equal(['u1']);
    });

    it('should forget deleted and deleting servers, and ignore a down cell', () => {
        watch.observe('u1', server('a', 60_000));
        watch.observe('u1', server('b', 1_000, { status: 'UNKNOWN' }));
        expect(watch.count('u1')).to.equal(1);

        watch.observe('u1', server('b', 1_000));
        watch.observe('u1', server('b', 1_000, { taskState: 'deleting' }));
        watch.observe('u1', server('a', 60_000, { status: 'DELETED' }));
        clock.advance(2 * SETTLE);

        expect(watch.count('u1')).to.equal(0);
        expect(reaped).to.deep.equal([]);
    });

    it('should try again while this process may not act, and a quarter window after a held plan', async () => {
        answer = 'idle';
        watch.observe('u1', server('a', 60_000));
        watch.observe('u1', server('b', 60_000));
        clock.advance(0);
        await settle();
        clock.advance(1_000);
        await settle();
        expect(reaped).to.deep.equal(['u1', 'u1']);

        answer = 'held';
        clock.advance(1_000);
        await settle();
        clock.advance(SETTLE / 4 - 1);
        await settle();
        expect(reaped).to.have.length(3);
        clock.advance(1);
        await settle();
        expect(reaped).to.have.length(4);

        answer = 'done';
        clock.advance(SETTLE / 4);
        await settle();
        clock.advance(10 * SETTLE);
        expect(reaped).to.have.length(5);
    });
});
