import { PassThrough } from 'node:stream';

import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';

import { Informer, type ListWatchSource, type WatchEvent } from '../../../operator/runtime/informer.ts';
import { kubeListWatch } from '../../../operator/runtime/kube-list-watch.ts';
import { createLogger } from '../../../operator/runtime/logging.ts';
import { RuntimeMetrics } from '../../../operator/runtime/metrics.ts';
import {
    ensureWidgets,
    eventually,
    localCluster,
    requireCluster,
    testNamespace,
    WIDGETS,
    widgetsApi,
} from './cluster.ts';

/** Wraps the real source so a test can drop the watch, mute it, or make it resume from a stale version. */
class FaultySource implements ListWatchSource {
    lists = 0;
    versions: string[] = [];
    muted = false;
    staleNext = false;
    private dropCurrent: (() => void) | undefined;
    private readonly inner: ListWatchSource;

    constructor(inner: ListWatchSource) {
        this.inner = inner;
    }

    list() {
        this.lists++;
        return this.inner.list();
    }

    async watch(version: string, onEvent: (e: WatchEvent) => void, onDone: (err: unknown) => void) {
        const from = this.staleNext ? '1' : version;
        this.staleNext = false;
        this.versions.push(from);
        const handle = await this.inner.watch(
            from,
            (event) => {
                if (!this.muted) onEvent(event);
            },
            onDone,
        );
        this.dropCurrent = () => {
            handle.stop();
            onDone(new Error('connection reset by test'));
        };
        return handle;
    }

    drop(): void {
        this.dropCurrent?.();
    }
}

describe('Informer against the local API server', function () {
    this.timeout(60_000);
    let kc: KubeConfig | undefined;
    const namespace = testNamespace('informer');
    let source: FaultySource;
    let informer: Informer | undefined;
    let deleted: string[];
    const metrics = new RuntimeMetrics();
    let widgets: ReturnType<typeof widgetsApi>;

    before(async function () {
        kc = await localCluster();
        requireCluster(this, kc);
        await ensureWidgets(kc);
        widgets = widgetsApi(kc);
    });

    beforeEach(function () {
        requireCluster(this, kc);
        source = new FaultySource(kubeListWatch(kc, { ...WIDGETS, namespace }, 30_000));
        const settings = { bookmarkIntervalMs: 1_000, restartBaseDelayMs: 100, restartMaxDelayMs: 1_000 };
        const log = createLogger('error', new PassThrough());
        informer = new Informer({ resource: 'widgets', source, log, metrics, settings });
        deleted = [];
        informer.addHandler({
            added: () => undefined,
            updated: () => undefined,
            deleted: (o) => deleted.push(o.metadata?.name ?? ''),
        });
    });

    afterEach(async () => {
        await informer?.stop();
    });

    it('should list, then follow creates and deletes through the watch', async () => {
        await widgets.create(namespace, 'a', { size: 1 });
        informer?.start();
        await eventually(() => informer?.hasSynced() === true);
        expect(informer?.get(`${namespace}/a`)).to.not.equal(undefined);

        await widgets.create(namespace, 'b', { size: 2 });
        await eventually(() => informer?.get(`${namespace}/b`) !== undefined);
        await widgets.remove(namespace, 'b');
        await eventually(() => deleted.includes('b'));
    });

    it('should recover from a dropped watch without losing a change', async () => {
        informer?.start();
        await eventually(() => informer?.hasSynced() === true);

        source.drop();
        await widgets.create(namespace, 'c', {});
        await eventually(() => informer?.get(`${namespace}/c`) !== undefined);
        expect(source.versions.length).to.be.at.least(2);
    });

    it('should relist on 410 Gone and emit deletes for objects that vanished meanwhile', async () => {
        await widgets.create(namespace, 'd', {});
        informer?.start();
        await eventually(() => informer?.get(`${namespace}/d`) !== undefined);

        // Disconnected while the object goes, then resuming from a version the server no longer has.
        source.muted = true;
        source.staleNext = true;
        source.drop();
        await widgets.remove(namespace, 'd');
        source.muted = false;

        await eventually(() => source.lists >= 2);
        await eventually(() => deleted.includes('d'));
        expect(informer?.get(`${namespace}/d`)).to.equal(undefined);
    });

    it('should restart a watch that delivers nothing for two bookmark intervals', async () => {
        informer?.start();
        await eventually(() => informer?.hasSynced() === true);

        source.muted = true;
        await eventually(() => source.versions.length >= 2, 10_000);
        source.muted = false;

        const text = await metrics.registry.metrics();
        expect(text).to.match(
            /bascule_informer_watch_restarts_total\{resource="widgets",reason="stalled"\} [1-9]/,
        );
    });
});
