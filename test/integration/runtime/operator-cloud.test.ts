import { resolve } from 'node:path';

import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';

import type { Simulator } from '../../../hack/openstack-sim/server.ts';
import { addFault, call, startTestSim } from '../../sim/helpers.ts';
import { eventually, localCluster, requireCluster, testNamespace } from './cluster.ts';
import { freePort, removeOperatorFiles, startOperator, writeSimCloudsYaml } from './operator-process.ts';

const REPO = resolve(import.meta.dirname, '../../..');

describe('the operator process with its cloud', function () {
    this.timeout(60_000);
    let kc: KubeConfig;
    let kubeconfig: string;
    let sim: Simulator;

    before(async function () {
        const cluster = await localCluster();
        requireCluster(this, cluster);
        kc = cluster;
        kubeconfig = process.env.KUBECONFIG ?? resolve(REPO, '.local/kubeconfig');
        sim = await startTestSim();
    });

    after(async () => {
        removeOperatorFiles();
        await sim.stop();
    });

    it('should pass the self-check, serve cloud metrics, and release the lease on SIGTERM', async () => {
        const namespace = testNamespace('cloud');
        const [metricsPort, probePort] = [await freePort(), await freePort()];
        const op = startOperator(writeSimCloudsYaml(sim), [
            ...['--kubeconfig', kubeconfig, '--leader-elect', '--leader-election-namespace', namespace],
            `--metrics-bind-address=127.0.0.1:${metricsPort}`,
            `--health-probe-bind-address=127.0.0.1:${probePort}`,
        ]);

        await op.logged('Leader election won');
        const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        const ready = await fetch(`http://127.0.0.1:${probePort}/readyz`);
        op.child.kill('SIGTERM');

        expect(await op.exit).to.equal(0);
        expect(ready.status).to.equal(200);
        expect(metrics).to.contain(
            'bascule_cloud_requests_total{service="compute",operation="getVersion",code="200"} 1',
        );
        expect(metrics).to.match(/bascule_cloud_request_duration_seconds_count\{service="identity"/);
        expect(metrics).to.match(/bascule_cloud_throttle_wait_seconds_count\{priority="urgent"\}/);
        expect(op.stdout.some((l) => l.includes('"message":"Cloud connected"'))).to.equal(true);
        expect(op.stdout.some((l) => l.includes('"message":"Lease released"'))).to.equal(true);
        await eventually(async () => (await holder(kc, namespace)) === '');
    });

    it('should answer /healthz during a slow self-check, and /readyz only once it passed', async () => {
        // Held in the simulator until the test lets go; the test profile's timeout retries it meanwhile.
        await addFault(sim, { service: 'placement', action: { kind: 'delay', ms: 60_000 } });
        const namespace = testNamespace('slow-cloud');
        const probePort = await freePort();
        const op = startOperator(writeSimCloudsYaml(sim), [
            ...['--kubeconfig', kubeconfig, '--leader-elect', '--leader-election-namespace', namespace],
            ...['--settings-profile', 'test', '--metrics-bind-address=0'],
            `--health-probe-bind-address=127.0.0.1:${probePort}`,
        ]);

        const healthz = await whenServing(`http://127.0.0.1:${probePort}/healthz`);
        const readyDuringCheck = await fetch(`http://127.0.0.1:${probePort}/readyz`);
        const connectedDuringCheck = op.stdout.some((l) => l.includes('"message":"Cloud connected"'));
        await call(sim, 'DELETE', '/_sim/faults');
        await op.logged('Leader election won');
        const readyAfter = await fetch(`http://127.0.0.1:${probePort}/readyz`);
        op.child.kill('SIGTERM');

        expect(await op.exit).to.equal(0);
        expect(healthz.status).to.equal(200);
        expect(connectedDuringCheck).to.equal(false);
        expect(readyDuringCheck.status).to.equal(503);
        expect(await readyDuringCheck.text()).to.contain('[-]cloud failed: self-check not passed');
        expect(readyAfter.status).to.equal(200);
    });

    it('should refuse a Nova below 2.73 with one line and exit 1 before campaigning', async () => {
        const old = await startTestSim({ maxMicroversion: '2.72' });
        try {
            const namespace = testNamespace('old-nova');
            const op = startOperator(writeSimCloudsYaml(old), [
                ...['--kubeconfig', kubeconfig, '--leader-elect', '--leader-election-namespace', namespace],
                '--metrics-bind-address=0',
                '--health-probe-bind-address=0',
            ]);

            expect(await op.exit).to.equal(1);
            expect(op.stderr.join('').trimEnd().split('\n')).to.deep.equal([
                'bascule: cloud "bascule-sim" refused: Nova offers at most 2.72; ' +
                    'Bascule needs microversion 2.73 or newer',
            ]);
            expect(await holder(kc, namespace)).to.equal(undefined);
        } finally {
            await old.stop();
        }
    });

    it('should refuse a clouds.yaml without the named cloud with one line and exit 2', async () => {
        const op = startOperator(writeSimCloudsYaml(sim), [
            '--cloud',
            'elsewhere',
            '--kubeconfig',
            kubeconfig,
        ]);

        expect(await op.exit).to.equal(2);
        expect(op.stderr.join('').trimEnd()).to.match(
            /^bascule: \/.*clouds\.yaml: no cloud named "elsewhere"$/,
        );
    });
});

/** Fetches `url` once something listens there. */
async function whenServing(url: string): Promise<Response> {
    for (;;) {
        const response = await fetch(url).catch(() => undefined);
        if (response !== undefined) return response;
        await new Promise((r) => setTimeout(r, 50));
    }
}

async function holder(kc: KubeConfig, namespace: string): Promise<string | undefined> {
    const api = kc.makeApiClient(CustomObjectsApi);
    const ref = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', name: 'bascule-leader' };
    try {
        const lease = (await api.getNamespacedCustomObject({ ...ref, namespace })) as {
            spec: { holderIdentity?: string };
        };
        return lease.spec.holderIdentity;
    } catch {
        return undefined;
    }
}
