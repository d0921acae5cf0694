import { expect } from 'chai';

import { Informer } from '../../../operator/runtime/informer.ts';
import type { KubeObject } from '../../../operator/runtime/kube-object.ts';
import { createLogger } from '../../../operator/runtime/logging.ts';
import { RuntimeMetrics } from '../../../operator/runtime/metrics.ts';
import { FakeClock, settle } from './fake-clock.ts';
import { FakeSource } from './fake-source.ts';
import { PassThrough } from 'node:stream';

function obj(name: string, rv: string): KubeObject {
    return { metadata: { name, namespace: 'ns', resourceVersion: rv } };
}

describe('Informer', () => {
    const settings = { bookmarkIntervalMs: 60_000, restartBaseDelayMs: 1000, restartMaxDelayMs: 8000 };
    let clock: FakeClock;
    let source: FakeSource;
    let informer: Informer;
    let seen: string[];
    let metrics: RuntimeMetrics;

    beforeEach(async () => {
        clock = new FakeClock();
        source = new FakeSource();
        source.items = [obj('a', '1'), obj('b', '2')];
        metrics = new RuntimeMetrics();
        const log = createLogger('error', new PassThrough());
        informer = new Informer({ resource: 'things', source, log, metrics, clock, settings });
        seen = [];
        informer.addHandler({
            added: (o) => seen.push(`add ${o.metadata?.name}`),
            updated: (o) => seen.push(`update ${o.metadata?.name}`),
            deleted: (o) => seen.push(`delete ${o.metadata?.name}`),
        });
        informer.start();
        await settle();
    });

    afterEach(async () => {
        await informer.stop();
    });

    it('should list, sync and watch from the list version with bookmarks', () => {
        expect(informer.hasSynced()).to.equal(true);
        expect(seen).to.deep.equal(['add a', 'add b']);
        expect(source.watches).to.deep.equal(['10']);
    });

    it('should apply watch events to the store', () => {
        source.send('ADDED', obj('c', '11'));
        source.send('MODIFIED', obj('a', '12'));
        source.send('DELETED', obj('b', '13'));

        expect(informer.list().map((o) => o.metadata?.name)).to.have.members(['a', 'c']);
        expect(seen.slice(2)).to.deep.equal(['add c', 'update a', 'delete b']);
    });

    const goneCases: { name: string; end: (s: FakeSource) => void }[] = [
        {
            name: 'an ERROR event with 410',
            end: (s) => {
                s.send('ERROR', { code: 410 });
            },
        },
        {
            name: 'an HTTP 410 answer',
            end: (s) => {
                s.end(Object.assign(new Error('Gone'), { statusCode: 410 }));
            },
        },
    ];

    for (const { name, end } of goneCases) {
        it(`should relist on ${name} and emit deletes for vanished objects`, async () => {
            source.items = [obj('a', '20'), obj('c', '21')];
            source.listVersion = '22';

            end(source);
            await settle();

            expect(source.lists).to.equal(2);
            expect(seen.slice(2)).to.deep.equal(['delete b', 'update a', 'add c']);
            expect(informer.get('ns/b')).to.equal(undefined);
            expect(source.watches).to.deep.equal(['10', '22']);
        });
    }

    it('should restart a failed watch after a growing backoff, from the last version', async () => {
        source.send('MODIFIED', obj('a', '15'));
        source.end(new Error('connection reset'));
        await settle();
        clock.advance(999);
        await settle();
        expect(source.watches).to.deep.equal(['10']);

        clock.advance(1);
        await settle();
        expect(source.watches).to.deep.equal(['10', '15']);

        source.end(new Error('connection reset'));
        await settle();
        clock.advance(1999);
        await settle();
        expect(source.watches).to.have.length(2);
        clock.advance(1);
        await settle();
        expect(source.watches).to.have.length(3);
        expect(source.lists).to.equal(1);
    });

    it('should re-watch at once, without relisting, when the server closes the watch', async () => {
        source.send('BOOKMARK', { metadata: { resourceVersion: '30' } });
        source.end(undefined);
        await settle();

        expect(source.watches).to.deep.equal(['10', '30']);
        expect(source.lists).to.equal(1);
    });

    it('should restart a watch silent for two bookmark intervals, not one fed bookmarks', async () => {
        clock.advance(100_000);
        source.send('BOOKMARK', { metadata: { resourceVersion: '40' } });
        clock.advance(100_000);
        await settle();
        expect(source.stopped).to.equal(0);

        clock.advance(20_000);
        await settle();
        expect(source.stopped).to.equal(1);

        clock.advance(1000);
        await settle();
        expect(source.watches).to.deep.equal(['10', '40']);
        const text = await metrics.registry.metrics();
        expect(text).to.include(
            'bascule_informer_watch_restarts_total{resource="things",reason="stalled"} 1',
        );
    });

    it('should ignore events from a watch that has already ended', async () => {
        source.send('ERROR', { code: 410 });
        source.send('ADDED', obj('late', '99'));
        await settle();

        expect(informer.get('ns/late')).to.equal(undefined);
    });
});
