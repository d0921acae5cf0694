import { PassThrough } from 'node:stream';
import { resolve } from 'node:path';

import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';

import { parseConfig } from '../../../operator/runtime/config.ts';
import { kubeStatusClient } from '../../../operator/runtime/kube-status-client.ts';
import { TEST_ELECTION } from '../../../operator/runtime/leader-election.ts';
import { createLogger } from '../../../operator/runtime/logging.ts';
import { Manager } from '../../../operator/runtime/manager.ts';
import { done, type ReconcileRequest } from '../../../operator/runtime/reconcile-result.ts';
import { writeStatus } from '../../../operator/runtime/status-writer.ts';
import type { Simulator } from '../../../hack/openstack-sim/server.ts';
import { startTestSim } from '../../sim/helpers.ts';
import {
    ensureWidgets,
    eventually,
    localCluster,
    requireCluster,
    testNamespace,
    WIDGETS,
    widgetsApi,
} from './cluster.ts';
import {
    removeOperatorFiles,
    startOperator as spawnOperator,
    writeSimCloudsYaml,
} from './operator-process.ts';

const REPO = resolve(import.meta.dirname, '../../..');

describe('the manager against the local API server', function () {
    this.timeout(90_000);
    let kc: KubeConfig;
    let kubeconfigPath: string;
    let sim: Simulator;
    let cloudsYaml: string;

    before(async function () {
        const cluster = await localCluster();
        requireCluster(this, cluster);
        kc = cluster;
        kubeconfigPath = process.env.KUBECONFIG ?? resolve(REPO, '.local/kubeconfig');
        await ensureWidgets(kc);
        // The operator refuses to start without its cloud.
        sim = await startTestSim();
        cloudsYaml = writeSimCloudsYaml(sim);
    });

    after(async () => {
        removeOperatorFiles();
        await sim.stop();
    });

    /** Runs `npm start`'s command with leader election in `namespace`. */
    function startOperator(kubeconfig: string, namespace: string) {
        const args = ['--leader-elect', '--leader-election-namespace', namespace];
        const flags = [
            '--kubeconfig',
            kubeconfig,
            '--metrics-bind-address=0',
            '--health-probe-bind-address=0',
        ];
        return spawnOperator(cloudsYaml, [...args, ...flags]);
    }

    it('should reconcile objects into status once it leads and its informers synced', async () => {
        const namespace = testNamespace('manager');
        const flags = [
            '--leader-elect',
            '--leader-election-namespace',
            namespace,
            '--metrics-bind-address=0',
        ];
        const config = parseConfig(
            [...flags, '--health-probe-bind-address=0', '--namespaces', namespace],
            {},
        );
        const log = createLogger('error', new PassThrough());
        const manager = new Manager({ config, kubeConfig: kc, log, timings: { election: TEST_ELECTION } });
        const status = kubeStatusClient(kc, WIDGETS);
        const reconciler = {
            async reconcile({ key, object }: ReconcileRequest) {
                if (object !== undefined) await writeStatus(status, key, object, { observed: true });
                return done;
            },
        };
        manager.add({ name: 'widget', resource: WIDGETS, clusterScoped: false, reconciler });
        const widgets = widgetsApi(kc);
        await widgets.create(namespace, 'w', { size: 3 });

        expect(failing(manager)).to.deep.equal(['informers']);
        await manager.start();
        await eventually(async () => (await widgets.get(namespace, 'w')).status !== undefined);
        expect(failing(manager)).to.deep.equal([]);
        const cloudSignal = manager.cloudSignal();
        expect(cloudSignal.aborted).to.equal(false);
        await manager.stop();
        expect(failing(manager)).to.deep.equal(['shutdown']);
        // Releasing the lease aborts every cloud call still made under it.
        expect(cloudSignal.aborted).to.equal(true);

        const api = kc.makeApiClient(CustomObjectsApi);
        const lease = (await api.getNamespacedCustomObject({
            group: 'coordination.k8s.io',
            version: 'v1',
            plural: 'leases',
            namespace,
            name: 'bascule-leader',
        })) as { spec: { holderIdentity?: string } };
        expect(lease.spec.holderIdentity).to.equal('');
    });

    it('should release the lease on SIGTERM, exit 0, and let the other process take over', async () => {
        const namespace = testNamespace('sigterm');
        const a = startOperator(kubeconfigPath, namespace);
        const aIdentity = await a.identity;
        await eventually(async () => (await holder(kc, namespace)) === aIdentity);
        const b = startOperator(kubeconfigPath, namespace);
        const bIdentity = await b.identity;

        const terminated = Date.now();
        a.child.kill('SIGTERM');
        expect(await a.exit).to.equal(0);
        await eventually(async () => (await holder(kc, namespace)) === bIdentity, 15_000);

        expect(Date.now() - terminated).to.be.below(15_000);
        b.child.kill('SIGTERM');
        expect(await b.exit).to.equal(0);
    });

    it('should exit non-zero once another holder has kept the lease past its renew deadline', async () => {
        const namespace = testNamespace('stolen');
        const a = startOperator(kubeconfigPath, namespace);
        const aIdentity = await a.identity;
        await eventually(async () => (await holder(kc, namespace)) === aIdentity);

        // A rival that ignores the protocol and rewrites the lease every second.
        const steal = setInterval(() => void stealLease(kc, namespace), 1_000);
        try {
            expect(await a.exit).to.equal(1);
        } finally {
            clearInterval(steal);
        }
    });
});

async function stealLease(kc: KubeConfig, namespace: string): Promise<void> {
    const api = kc.makeApiClient(CustomObjectsApi);
    const ref = {
        group: 'coordination.k8s.io',
        version: 'v1',
        plural: 'leases',
        namespace,
        name: 'bascule-leader',
    };
    try {
        const lease = (await api.getNamespacedCustomObject(ref)) as { spec: Record<string, unknown> };
        const now = new Date().toISOString().replace(/Z$/, '000Z');
        const spec = { ...lease.spec, holderIdentity: 'rival', renewTime: now, leaseDurationSeconds: 15 };
        await api.replaceNamespacedCustomObject({ ...ref, body: { ...lease, spec } });
    } catch {
        // A conflict with the leader's own renewal: the next tick tries again.
    }
}

/** The names of the readiness checks that fail now. */
function failing(manager: Manager): string[] {
    return [...manager.readiness()].filter(([, check]) => check() !== undefined).map(([name]) => name);
}

async function holder(kc: KubeConfig, namespace: string): Promise<string | undefined> {
    const api = kc.makeApiClient(CustomObjectsApi);
    try {
        const ref = {
            group: 'coordination.k8s.io',
            version: 'v1',
            plural: 'leases',
            namespace,
            name: 'bascule-leader',
        };
        const lease = (await api.getNamespacedCustomObject(ref)) as { spec: { holderIdentity?: string } };
        return lease.spec.holderIdentity;
    } catch {
        return undefined;
    }
}
