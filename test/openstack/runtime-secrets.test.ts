import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { connectCloud, type Cloud } from '../../operator/cloud.ts';
import { ADMIN, type Scope } from '../../operator/openstack/identity.ts';
import type { FetchLike } from '../../operator/openstack/http.ts';
import { TEST_SETTINGS } from '../../operator/openstack/settings.ts';
import { Controller } from '../../operator/runtime/controller.ts';
import { EventRecorder, type KubeEvent } from '../../operator/runtime/event-recorder.ts';
import { Informer } from '../../operator/runtime/informer.ts';
import { RuntimeMetrics } from '../../operator/runtime/metrics.ts';
import {
    done,
    terminal,
    transient,
    type ReconcileRequest,
    type ReconcileResult,
} from '../../operator/runtime/reconcile-result.ts';
import { WorkQueue } from '../../operator/runtime/workqueue.ts';
import { FakeSource } from '../unit/runtime/fake-source.ts';
import { eventually, startTestSim, tenant, token } from '../sim/helpers.ts';
import { capturedLog, simCloud } from './helpers.ts';

const PASSWORD = 'admin-Pw-93f1c7';
const USER_DATA = Buffer.from('#cloud-config\nchpasswd: {list: "root:ud-secret-55"}\n').toString('base64');

/** A fetch that keeps every secret the cloud sent back (tokens, adminPass, user data), by field. */
function recordingFetch(secrets: Map<string, Set<string>>): FetchLike {
    const keep = (field: string, value: string) =>
        secrets.set(field, (secrets.get(field) ?? new Set()).add(value));
    return async (url, init) => {
        const res = await fetch(url, init);
        const text = await res.clone().text();
        const token = res.headers.get('x-subject-token');
        if (token !== null) keep('token', token);
        for (const m of text.matchAll(/"(adminPass|OS-EXT-SRV-ATTR:user_data)":\s*"([^"]+)"/g)) {
            if (m[1] !== undefined && m[2] !== undefined) keep(m[1], m[2]);
        }
        return res;
    };
}

describe('the secret scan across the runtime: logs, Events and metrics of reconciles', () => {
    let sim: Simulator;
    let cloud: Cloud;
    let scope: Scope;
    const secrets = new Map<string, Set<string>>([['given', new Set([PASSWORD, USER_DATA, 'ud-secret-55'])]]);
    const { log, lines } = capturedLog();
    const metrics = new RuntimeMetrics();
    const events: KubeEvent[] = [];

    before(async () => {
        sim = await startTestSim({ adminPassword: PASSWORD });
        const projectId = (await tenant(sim, await token(sim, 'admin', PASSWORD), 'scan', { instances: 1 }))
            .projectId;
        cloud = await connectCloud(simCloud(sim, { password: PASSWORD }), {
            config: { cloudsYaml: undefined, cloud: undefined, cloudQps: 1000, cloudBurst: 1000 },
            log,
            metrics: metrics.cloudObserver(),
            leadership: () => new AbortController().signal,
            settings: TEST_SETTINGS,
            deps: { fetch: recordingFetch(secrets) },
        });
        const adminUser = (await cloud.client.identity.session(ADMIN)).userId ?? '';
        await cloud.keystone.grantOnProject(
            projectId,
            adminUser,
            (await cloud.keystone.roleId('member')) ?? '',
        );
        scope = { kind: 'project', projectId };
    });

    after(async () => {
        await sim.stop();
    });

    /** A reconciler that does what the VirtualMachine one will: create, observe, fail. */
    async function reconcile(request: ReconcileRequest, recorder: EventRecorder): Promise<ReconcileResult> {
        const imageId = [...sim.world.images.keys()][0] ?? '';
        const desired = { name: request.key, flavorId: '1', imageId, networks: 'none' as const };
        try {
            const id = await cloud.nova.createServer(
                scope,
                { ...desired, tags: ['bascule-uid-scan'], metadata: {}, userData: USER_DATA },
                { signal: request.signal },
            );
            request.log.info('Server created', { serverId: id });
            // Nova returns user data to admins in listings; the allow-listed view must drop it.
            const observed = await cloud.nova.listServers(ADMIN, { allTenants: true }, request);
            request.log.debug('Servers observed', { servers: observed });
            await cloud.nova.getServer(scope, '00000000-0000-4000-8000-000000000000', request);
            return done;
        } catch (err) {
            const error = err as Error;
            const note = error.message;
            await recorder.record(request.object ?? {}, {
                type: 'Warning',
                reason: 'CloudError',
                action: 'Sync',
                note,
            });
            return request.key.endsWith('a') ? terminal(error) : transient(error);
        }
    }

    it('should keep passwords, tokens, user data and adminPass out of logs, Events, metrics', async () => {
        const source = new FakeSource();
        source.items = ['vm-a', 'vm-b'].map((name) => ({
            metadata: { name, namespace: 'ns', generation: 1 },
        }));
        const informer = new Informer({ resource: 'vms', source, log, metrics });
        const recorder = new EventRecorder({
            client: {
                create: (e) => (events.push(e), Promise.resolve(e)),
                replace: (e) => Promise.resolve(e),
            },
            controller: 'bascule.io/test',
            instance: 'scan',
            log,
        });
        const controller = new Controller({
            name: 'vm',
            reconciler: { reconcile: (request) => reconcile(request, recorder) },
            informers: [informer],
            log,
            metrics,
            queue: new WorkQueue({ qps: 100, burst: 100 }),
            workers: 2,
        });
        sim.world.tokens.clear(); // a 401 and a re-issue on the way, as after a Keystone restart

        controller.start();
        informer.start();
        const reconciles = async () =>
            (await metrics.reconcileTotal.get()).values.reduce((sum, v) => sum + v.value, 0);
        await eventually(async () => ((await reconciles()) >= 2 ? true : undefined));
        await controller.stop();
        await informer.stop();
        recorder.stop();

        const captured = [...lines, JSON.stringify(events), await metrics.registry.metrics()].join('\n');
        // The simulator did send them, so the scan below can fail.
        expect([...secrets.keys()]).to.include.members(['token', 'adminPass', 'OS-EXT-SRV-ATTR:user_data']);
        expect(lines.some((l) => l.includes('"message":"Reconcile failed terminally"'))).to.equal(true);
        expect(lines.some((l) => l.includes('"message":"Servers observed"'))).to.equal(true);
        for (const secret of [...secrets.values()].flatMap((set) => [...set])) {
            expect(captured).not.to.contain(secret);
        }
        for (const field of ['adminPass', 'user_data', 'userData', 'X-Auth-Token']) {
            expect(captured).not.to.contain(field);
        }
    });
});
