import { resolve } from 'node:path';

import { expect } from 'chai';

import type { Simulator } from '../../../hack/openstack-sim/server.ts';
import { CLOUD_CALL_ON_LEAD } from '../../../operator/test-hooks.ts';
import { TEST_ELECTION } from '../../../operator/runtime/leader-election.ts';
import { addFault, startTestSim } from '../../sim/helpers.ts';
import { localCluster, requireCluster, testNamespace } from './cluster.ts';
import {
    removeOperatorFiles,
    startOperator,
    writeSimCloudsYaml,
    type OperatorProcess,
} from './operator-process.ts';

const REPO = resolve(import.meta.dirname, '../../..');

describe('two operator processes handing over with a cloud call in flight', function () {
    this.timeout(60_000);
    let kubeconfig: string;
    let sim: Simulator;

    before(async function () {
        requireCluster(this, await localCluster());
        kubeconfig = process.env.KUBECONFIG ?? resolve(REPO, '.local/kubeconfig');
        sim = await startTestSim();
    });

    after(async () => {
        removeOperatorFiles();
        await sim.stop();
    });

    it('should abort the in-flight call on SIGTERM and hand over within a lease', async () => {
        // The leader's Nova read is held in the simulator far longer than the test runs.
        await addFault(sim, { service: 'compute', path: '/flavors$', action: { kind: 'delay', ms: 50_000 } });
        const namespace = testNamespace('handover');
        const cloudsYaml = writeSimCloudsYaml(sim);
        const start = () =>
            startOperator(
                cloudsYaml,
                [
                    ...[
                        '--kubeconfig',
                        kubeconfig,
                        '--leader-elect',
                        '--leader-election-namespace',
                        namespace,
                    ],
                    ...['--settings-profile', 'test', '--metrics-bind-address=0'],
                    '--health-probe-bind-address=0',
                ],
                { [CLOUD_CALL_ON_LEAD]: '1' },
            );

        const leader = start();
        await leader.logged('Test cloud call started');
        const standby = start();
        await standby.logged('Operator started');
        leader.child.kill('SIGTERM');
        await standby.logged('Leader election won');
        standby.child.kill('SIGTERM');

        expect(await leader.exit).to.equal(0);
        expect(await standby.exit).to.equal(0);
        const aborted = line(leader, 'Test cloud call aborted');
        expect(aborted?.error).to.equal('leadership released');
        expect(line(leader, 'Test cloud call ended')).to.equal(undefined);
        // Instrumented: both instants come from the processes' own log lines, not from this test's timers.
        const won = line(standby, 'Leader election won');
        const handoverMs = Date.parse(String(won?.timestamp)) - Date.parse(String(aborted?.timestamp));
        expect(handoverMs).to.be.below(TEST_ELECTION.leaseDurationMs);
    });
});

/** The first log line of `op` with `message`, parsed. */
function line(op: OperatorProcess, message: string): Record<string, unknown> | undefined {
    const found = op.stdout.find((l) => l.includes(`"message":"${message}"`));
    return found === undefined ? undefined : (JSON.parse(found) as Record<string, unknown>);
}
