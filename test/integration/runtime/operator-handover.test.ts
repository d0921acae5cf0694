import { resolve } from 'node:path';

import { CustomObjectsApi } from '@kubernetes/client-node';
import { expect } from 'chai';

import type { Simulator } from '../../../hack/openstack-sim/server.ts';
import { installTag } from '../../../operator/controllers/shared/naming.ts';
import { PRODUCTION_SETTINGS } from '../../../operator/openstack/settings.ts';
import { DEFAULT_CONTROLLER_SETTINGS } from '../../../operator/runtime/controller.ts';
import { PRODUCTION_ELECTION } from '../../../operator/runtime/leader-election.ts';
import { addFault, startTestSim } from '../../sim/helpers.ts';
import { eventually, localCluster, requireCluster, testNamespace } from './cluster.ts';
import {
    removeOperatorFiles,
    startOperator,
    writeSimCloudsYaml,
    type OperatorProcess,
} from './operator-process.ts';

const REPO = resolve(import.meta.dirname, '../../..');
const TENANTS = { group: 'bascule.io', version: 'v1alpha1', plural: 'tenants' };

interface TenantObject {
    metadata: { name: string; finalizers?: string[] };
    status?: { projectID?: string; conditions?: { type: string; status: string }[] };
}

// NOTE: an operator process serves every Tenant in the cluster (it has no object selector, unlike the
// in-process harness), so a Tenant another suite creates while this test runs is reconciled against
// this test's simulator too. An object selector flag for the operator would lift this.
describe('two operator processes handing over a Tenant whose project create is in flight', function () {
    this.timeout(90_000);
    // One name for the Lease's namespace, the watched namespace, the Tenant and the installation.
    const name = testNamespace('handover');
    const running: OperatorProcess[] = [];
    let kubeconfig: string;
    let api: CustomObjectsApi;
    let sim: Simulator;

    before(async function () {
        const kc = await localCluster();
        requireCluster(this, kc);
        kubeconfig = process.env.KUBECONFIG ?? resolve(REPO, '.local/kubeconfig');
        api = kc.makeApiClient(CustomObjectsApi);
        sim = await startTestSim();
    });

    after(async () => {
        for (const op of running) if (op.child.exitCode === null) op.child.kill('SIGTERM');
        await Promise.all(running.map((op) => op.exit));
        await removeTenant(api, name);
        removeOperatorFiles();
        await sim.stop();
    });

    it('should abort the held create on SIGTERM, then hand over and complete the Tenant', async () => {
        // The production profile, because there the shutdown grace ends before a call times out, so a
        // call held past the grace is aborted; the test profile's 2 s timeout would end it first.
        const graceMs = DEFAULT_CONTROLLER_SETTINGS.shutdownGraceMs;
        expect(graceMs).to.be.below(PRODUCTION_SETTINGS.requestTimeoutMs);
        // The first project create is held as long as the client would wait; later ones are not.
        const held = { service: 'identity', method: 'POST', path: '^/v3/projects$', count: 1 };
        await addFault(sim, { ...held, action: { kind: 'delay', ms: PRODUCTION_SETTINGS.requestTimeoutMs } });
        const cloudsYaml = writeSimCloudsYaml(sim);
        const start = () => {
            const op = startOperator(cloudsYaml, [
                ...['--kubeconfig', kubeconfig, '--leader-elect', '--leader-election-namespace', name],
                ...['--namespaces', name, '--installation-id', name],
                ...['--settings-profile', 'production', '--metrics-bind-address=0'],
                '--health-probe-bind-address=0',
            ]);
            running.push(op);
            return op;
        };

        const leader = start();
        await leader.logged('Leader election won');
        const standby = start();
        await standby.logged('Operator started');
        await createTenant(api, name);
        // The counted rule is gone once the leader's create has reached the simulator, which holds it.
        await eventually(() => sim.faults.list().length === 0);
        leader.child.kill('SIGTERM');
        expect(await leader.exit).to.equal(0);

        let tenant: TenantObject | undefined;
        await eventually(async () => {
            tenant = await getTenant(api, name);
            return isReady(tenant);
        }, 30_000);
        standby.child.kill('SIGTERM');
        expect(await standby.exit).to.equal(0);

        const aborted = line(leader, 'Reconcile aborted');
        expect(aborted).to.include({ controller: 'tenant', key: name, error: 'operator shutting down' });
        expect(mutations(leader, name)).to.deep.equal(['POST /projects failure']);
        expect(mutations(standby, name)).to.include('POST /projects success');
        // Instrumented: both instants come from the processes' own log lines, not from this test's timers.
        const won = line(standby, 'Leader election won');
        const handoverMs = Date.parse(String(won?.timestamp)) - Date.parse(String(aborted?.timestamp));
        expect(handoverMs).to.be.below(PRODUCTION_ELECTION.leaseDurationMs);

        const project = sim.world.projects.get(tenant?.status?.projectID ?? '');
        expect(project?.name).to.equal(name);
        expect(project?.tags).to.include(installTag(name));
    });
});

/** The first log line of `op` with `message`, parsed. */
function line(op: OperatorProcess, message: string): Record<string, unknown> | undefined {
    return lines(op, message)[0];
}

function lines(op: OperatorProcess, message: string): Record<string, unknown>[] {
    return op.stdout
        .filter((l) => l.includes(`"message":"${message}"`))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface AuditLine {
    object: { name: string };
    call: { method: string; pathTemplate: string };
    result: string;
}

/** The cloud mutations `op` audited for the Tenant `name`, as `METHOD path result`. */
function mutations(op: OperatorProcess, name: string): string[] {
    return (lines(op, 'Cloud mutation') as unknown as AuditLine[])
        .filter((record) => record.object.name === name)
        .map(({ call, result }) => `${call.method} ${call.pathTemplate} ${result}`);
}

function isReady(tenant: TenantObject): boolean {
    const ready = tenant.status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.status === 'True' && tenant.status?.projectID !== undefined;
}

async function createTenant(api: CustomObjectsApi, name: string): Promise<void> {
    const spec = { guarantee: { instances: 1, cores: 1, ram: '1Gi' } };
    const body = { apiVersion: 'bascule.io/v1alpha1', kind: 'Tenant', metadata: { name }, spec };
    await api.createClusterCustomObject({ ...TENANTS, body });
}

async function getTenant(api: CustomObjectsApi, name: string): Promise<TenantObject> {
    return (await api.getClusterCustomObject({ ...TENANTS, name })) as TenantObject;
}

/** Deletes the Tenant with no operator left to release its finalizer, so strips it first. */
async function removeTenant(api: CustomObjectsApi, name: string): Promise<void> {
    const tenant = await getTenant(api, name).catch(() => undefined);
    if (tenant === undefined) return;
    const body = { ...tenant, metadata: { ...tenant.metadata, finalizers: [] } };
    await api.replaceClusterCustomObject({ ...TENANTS, name, body });
    await api.deleteClusterCustomObject({ ...TENANTS, name });
}
