import { PassThrough } from 'node:stream';

import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';

import { EventRecorder, type KubeEvent } from '../../../operator/runtime/event-recorder.ts';
import { kubeEventClient } from '../../../operator/runtime/kube-event-client.ts';
import { kubeStatusClient } from '../../../operator/runtime/kube-status-client.ts';
import { createLogger } from '../../../operator/runtime/logging.ts';
import { writeStatus, type StatusClient, type WithStatus } from '../../../operator/runtime/status-writer.ts';
import { FakeClock } from '../../unit/runtime/fake-clock.ts';
import {
    ensureWidgets,
    eventually,
    localCluster,
    requireCluster,
    testNamespace,
    WIDGETS,
    widgetsApi,
} from './cluster.ts';

describe('status writes and Events against the local API server', function () {
    this.timeout(60_000);
    const namespace = testNamespace('status');
    let kc: KubeConfig;
    let widgets: ReturnType<typeof widgetsApi>;
    let status: StatusClient;

    before(async function () {
        const cluster = await localCluster();
        requireCluster(this, cluster);
        kc = cluster;
        await ensureWidgets(kc);
        widgets = widgetsApi(kc);
        status = kubeStatusClient(kc, WIDGETS);
    });

    async function read(key: string): Promise<WithStatus> {
        const obj = await status.get(key);
        if (obj === undefined) throw new Error(`${key} not found`);
        return obj;
    }

    it('should write status through the subresource without touching the spec', async () => {
        await widgets.create(namespace, 'plain', { size: 1 });
        const observed = await read(`${namespace}/plain`);

        expect(await writeStatus(status, `${namespace}/plain`, observed, { phase: 'Ready' })).to.equal(
            'written',
        );

        const stored = await widgets.get(namespace, 'plain');
        expect(stored.status).to.deep.equal({ phase: 'Ready' });
        expect(stored.spec).to.deep.equal({ size: 1 });
    });

    it('should re-apply the computed status after a real conflict', async () => {
        await widgets.create(namespace, 'contested', { size: 1 });
        const observed = await read(`${namespace}/contested`);
        // Another writer changes the object after the reconcile read it: observed is now stale.
        await widgets.replace(namespace, 'contested', { ...observed, spec: { size: 2 } });

        let puts = 0;
        const counting: StatusClient = {
            get: (key) => status.get(key),
            replaceStatus: (obj) => {
                puts++;
                return status.replaceStatus(obj);
            },
        };

        const key = `${namespace}/contested`;
        expect(await writeStatus(counting, key, observed, { phase: 'Ready' })).to.equal('written');
        expect(puts).to.equal(2);

        const stored = await widgets.get(namespace, 'contested');
        expect(stored.status).to.deep.equal({ phase: 'Ready' });
        expect(stored.spec).to.deep.equal({ size: 2 });
    });

    it('should aggregate repeated Events into one series on the server', async () => {
        const clock = new FakeClock(Date.now());
        const log = createLogger('error', new PassThrough());
        const client = kubeEventClient(kc);
        const recorder = new EventRecorder({
            client,
            controller: 'bascule.io/test',
            instance: 'it',
            log,
            clock,
        });
        const regarding = {
            apiVersion: 'test.bascule.io/v1',
            kind: 'Widget',
            metadata: { name: 'plain', namespace, uid: 'u' },
        };
        const input = {
            type: 'Warning',
            reason: 'QuotaExceeded',
            action: 'Create',
            note: 'no cores left',
        } as const;

        for (let i = 0; i < 5; i++) await recorder.record(regarding, input);
        clock.advance(30_000);

        const api = kc.makeApiClient(CustomObjectsApi);
        const ref = { group: 'events.k8s.io', version: 'v1', plural: 'events', namespace };
        let events: KubeEvent[] = [];
        await eventually(async () => {
            events = ((await api.listNamespacedCustomObject(ref)) as { items: KubeEvent[] }).items;
            return events[0]?.series?.count === 5;
        });
        expect(events).to.have.length(1);
        expect(events[0]).to.deep.include({
            reason: 'QuotaExceeded',
            reportingController: 'bascule.io/test',
        });
        recorder.stop();
    });
});
