import { PassThrough } from 'node:stream';

import { expect } from 'chai';

import {
    changedForReconcile,
    Controller,
    type LeadershipGate,
} from '../../../operator/runtime/controller.ts';
import { Informer } from '../../../operator/runtime/informer.ts';
import type { KubeObject } from '../../../operator/runtime/kube-object.ts';
import { createLogger } from '../../../operator/runtime/logging.ts';
import { RuntimeMetrics } from '../../../operator/runtime/metrics.ts';
import {
    done,
    requeueAfter,
    terminal,
    transient,
    type ReconcileRequest,
    type ReconcileResult,
} from '../../../operator/runtime/reconcile-result.ts';
import { WorkQueue } from '../../../operator/runtime/workqueue.ts';
import { FakeClock, settle } from './fake-clock.ts';
import { FakeSource } from './fake-source.ts';

function vm(name: string, rv: string, generation = 1): KubeObject {
    return { metadata: { name, namespace: 'ns', resourceVersion: rv, generation } };
}

describe('Controller', () => {
    const settings = { terminalRetryMs: 600_000, resyncIntervalMs: 3_600_000, shutdownGraceMs: 5_000 };
    let clock: FakeClock;
    let source: FakeSource;
    let informer: Informer;
    let metrics: RuntimeMetrics;
    let controller: Controller | undefined;
    let calls: string[];
    let answer: (request: ReconcileRequest) => Promise<ReconcileResult> | ReconcileResult;
    let leading: boolean;
    let logs: Record<string, unknown>[];

    beforeEach(() => {
        clock = new FakeClock();
        source = new FakeSource();
        metrics = new RuntimeMetrics();
        calls = [];
        answer = () => done;
        leading = true;
        logs = [];
    });

    afterEach(async () => {
        await controller?.stop();
        await informer.stop();
    });

    async function startWith(items: KubeObject[], leadership?: LeadershipGate): Promise<void> {
        source.items = items;
        const stream = new PassThrough();
        stream.on('data', (chunk: Buffer) => {
            const lines = chunk.toString().split('\n').filter(Boolean);
            logs.push(...lines.map((line) => JSON.parse(line) as Record<string, unknown>));
        });
        const log = createLogger('verbose', stream);
        informer = new Informer({ resource: 'vms', source, log, clock });
        const queue = new WorkQueue({ clock, backoff: { baseDelayMs: 1000, maxDelayMs: 60_000 } });
        const reconciler = {
            reconcile: async (request: ReconcileRequest) => {
                calls.push(request.key);
                return answer(request);
            },
        };
        const options = {
            name: 'vm',
            reconciler,
            informers: [informer],
            log,
            metrics,
            queue,
            workers: 2,
            clock,
            settings,
        };
        controller = new Controller({ ...options, ...(leadership ? { leadership } : {}) });
        controller.start();
        informer.start();
        await settle();
    }

    async function count(result: string): Promise<number> {
        const metric = await metrics.reconcileTotal.get();
        return metric.values.find((v) => v.labels.result === result)?.value ?? 0;
    }

    it('should reconcile every object the informer lists and count successes', async () => {
        await startWith([vm('a', '1'), vm('b', '2')]);

        expect(calls).to.have.members(['ns/a', 'ns/b']);
        expect(await count('success')).to.equal(2);
    });

    const retried: { name: string; result: () => ReconcileResult; label: string; againAfterMs: number }[] = [
        {
            name: 'a transient error after its backoff',
            result: () => transient(new Error('503')),
            label: 'error',
            againAfterMs: 1000,
        },
        {
            name: 'a thrown error as transient',
            result: () => {
                throw new Error('boom');
            },
            label: 'error',
            againAfterMs: 1000,
        },
        {
            name: 'requeueAfter after its delay',
            result: () => requeueAfter(30_000),
            label: 'requeue_after',
            againAfterMs: 30_000,
        },
        {
            name: 'a terminal error only on the slow timer',
            result: () => terminal(new Error('invalid')),
            label: 'error',
            againAfterMs: 600_000,
        },
    ];

    for (const { name, result, label, againAfterMs } of retried) {
        it(`should reconcile ${name}`, async () => {
            answer = result;
            await startWith([vm('a', '1')]);
            answer = () => done;

            clock.advance(againAfterMs - 1);
            await settle();
            expect(calls).to.have.length(1);
            clock.advance(1);
            await settle();

            expect(calls).to.have.length(2);
            expect(await count(label)).to.equal(1);
        });
    }

    it('should re-evaluate a terminal error on a generation change but not on status churn', async () => {
        answer = () => terminal(new Error('invalid'));
        await startWith([vm('a', '1', 1)]);

        source.send('MODIFIED', vm('a', '2', 1));
        await settle();
        expect(calls).to.have.length(1);

        source.send('MODIFIED', vm('a', '3', 2));
        await settle();
        expect(calls).to.have.length(2);
        const terminalErrors = await metrics.terminalErrors.get();
        expect(terminalErrors.values[0]?.value).to.equal(2);
    });

    it('should not queue again for its own status write, even one that changes every time', async () => {
        answer = () => requeueAfter(60_000);
        await startWith([vm('a', '1', 1)]);

        source.send('MODIFIED', vm('a', '2', 1));
        source.send('MODIFIED', vm('a', '3', 1));
        await settle();

        expect(calls).to.have.length(1);
    });

    it('should start no reconcile while not leading', async () => {
        const gate = { isLeader: () => leading, signal: new AbortController().signal };
        leading = false;

        await startWith([vm('a', '1')], gate);

        expect(calls).to.deep.equal([]);
    });

    it('should abort an in-flight reconcile the moment leadership ends', async () => {
        const leadership = new AbortController();
        const gate = { isLeader: () => !leadership.signal.aborted, signal: leadership.signal };
        let signal: AbortSignal | undefined;
        answer = (request) => {
            signal = request.signal;
            return new Promise((resolve) => {
                request.signal.addEventListener('abort', () => {
                    resolve(done);
                });
            });
        };
        await startWith([vm('a', '1')], gate);
        expect(signal?.aborted).to.equal(false);

        leadership.abort(new Error('leadership lost'));

        expect(signal?.aborted).to.equal(true);
        source.send('MODIFIED', vm('a', '2'));
        await settle();
        expect(calls).to.have.length(1);
    });

    it('should log a reconcile cut short by losing leadership at info, not as a failure', async () => {
        const leadership = new AbortController();
        const gate = { isLeader: () => !leadership.signal.aborted, signal: leadership.signal };
        answer = (request) =>
            new Promise((_, reject) => {
                request.signal.addEventListener('abort', () => {
                    reject(request.signal.reason as Error);
                });
            });
        await startWith([vm('a', '1')], gate);

        leadership.abort(new Error('leadership lost'));
        await settle();

        const aborted = logs.filter((line) => line.message === 'Reconcile aborted');
        expect(aborted).to.have.length(1);
        expect(aborted[0]).to.include({ level: 'info', key: 'ns/a', error: 'leadership lost' });
        expect(logs.map((line) => line.message)).to.not.include('Reconcile failed, will retry');
    });

    it('should never run one key in two workers at once', async () => {
        let running = 0;
        let most = 0;
        const release: (() => void)[] = [];
        answer = () => {
            most = Math.max(most, ++running);
            return new Promise((resolve) =>
                release.push(() => {
                    running--;
                    resolve(done);
                }),
            );
        };
        await startWith([vm('a', '1')]);

        source.send('MODIFIED', vm('a', '2', 2));
        source.send('MODIFIED', vm('a', '3', 3));
        await settle();
        expect(calls).to.have.length(1);
        release.shift()?.();
        await settle();
        release.shift()?.();
        await settle();

        expect(most).to.equal(1);
        expect(calls).to.have.length(2);
    });

    it('should abort in-flight reconciles once the shutdown grace has passed', async () => {
        let signal: AbortSignal | undefined;
        answer = (request) => {
            signal = request.signal;
            return new Promise((resolve) => {
                request.signal.addEventListener('abort', () => {
                    resolve(done);
                });
            });
        };
        await startWith([vm('a', '1')]);

        const stopped = controller?.stop();
        await settle();
        expect(signal?.aborted).to.equal(false);
        clock.advance(5_000);
        await stopped;

        expect(signal?.aborted).to.equal(true);
        controller = undefined;
    });
});

describe('changedForReconcile', () => {
    const base: KubeObject = {
        metadata: {
            name: 'a',
            resourceVersion: '1',
            generation: 1,
            labels: { app: 'web' },
            annotations: {},
            finalizers: ['bascule.io/cloud'],
        },
    };
    const cases: { name: string; change: NonNullable<KubeObject['metadata']>; expected: boolean }[] = [
        { name: 'a status-only write', change: { resourceVersion: '2' }, expected: false },
        { name: 'a spec change', change: { resourceVersion: '2', generation: 2 }, expected: true },
        {
            name: 'the paused annotation',
            change: { resourceVersion: '2', annotations: { 'bascule.io/paused': 'true' } },
            expected: true,
        },
        { name: 'a label change', change: { resourceVersion: '2', labels: { app: 'db' } }, expected: true },
        { name: 'a finalizer removed', change: { resourceVersion: '2', finalizers: [] }, expected: true },
        {
            name: 'a finalizer added (the reconciler holding its own)',
            change: { resourceVersion: '2', finalizers: ['bascule.io/cloud', 'bascule.io/other'] },
            expected: false,
        },
        {
            name: 'a deletion',
            change: { resourceVersion: '2', deletionTimestamp: '2026-12-04T09:00:00Z' },
            expected: true,
        },
    ];

    for (const { name, change, expected } of cases) {
        it(`should say ${String(expected)} for ${name}`, () => {
            const updated = { metadata: { ...base.metadata, ...change } };

            expect(changedForReconcile(updated, base)).to.equal(expected);
        });
    }
});
