import type { Server } from 'node:http';

import { expect } from 'chai';

import {
    boundPort,
    close,
    listen,
    metricsRoutes,
    probeRoutes,
    type Check,
} from '../../../operator/runtime/http-server.ts';
import { RuntimeMetrics } from '../../../operator/runtime/metrics.ts';
import { WorkQueue } from '../../../operator/runtime/workqueue.ts';
import { FakeClock } from './fake-clock.ts';

describe('metrics and probe server', () => {
    let server: Server;
    let base: string;
    const metrics = new RuntimeMetrics();
    let ready: string | undefined;

    before(async () => {
        const readiness = new Map<string, Check>([['informers', () => ready]]);
        const routes = new Map([...metricsRoutes(metrics.registry), ...probeRoutes(new Map(), readiness)]);
        server = await listen({ host: '127.0.0.1', port: 0 }, routes);
        base = `http://127.0.0.1:${boundPort(server)}`;
    });

    after(async () => {
        await close(server);
    });

    it("should expose controller-runtime's work-queue metric names", async () => {
        const clock = new FakeClock();
        const queue = new WorkQueue({ clock, observer: metrics.queueObserver('tenant') });
        metrics.trackInFlight('tenant', queue);
        queue.add('a');
        await queue.get();
        clock.advance(1500);

        const text = await (await fetch(`${base}/metrics`)).text();

        expect(text).to.include('workqueue_adds_total{name="tenant"} 1');
        expect(text).to.include('workqueue_unfinished_work_seconds{name="tenant"} 1.5');
        expect(text).to.include('workqueue_longest_running_processor_seconds{name="tenant"} 1.5');
        for (const name of [
            'workqueue_depth',
            'workqueue_queue_duration_seconds',
            'controller_runtime_reconcile_total',
        ]) {
            expect(text).to.include(`# TYPE ${name}`);
        }
    });

    it('should record cloud calls by service, operation and code', async () => {
        metrics.cloudObserver().request('compute', 'server_create', '202', 0.2);

        const text = await (await fetch(`${base}/metrics`)).text();

        expect(text).to.include(
            'bascule_cloud_requests_total{service="compute",operation="server_create",code="202"} 1',
        );
    });

    const probes: { name: string; reason: string | undefined; path: string; status: number; body: RegExp }[] =
        [
            { name: 'liveness', reason: 'x', path: '/healthz', status: 200, body: /^ok/ },
            { name: 'ready', reason: undefined, path: '/readyz', status: 200, body: /^ok/ },
            {
                name: 'not ready',
                reason: 'not synced',
                path: '/readyz',
                status: 503,
                body: /informers failed: not synced/,
            },
            { name: 'unknown path', reason: undefined, path: '/nope', status: 404, body: /^$/ },
        ];

    for (const { name, reason, path, status, body } of probes) {
        it(`should answer ${path} with ${status} when ${name}`, async () => {
            ready = reason;

            const res = await fetch(`${base}${path}`);

            expect(res.status).to.equal(status);
            expect(await res.text()).to.match(body);
        });
    }
});
