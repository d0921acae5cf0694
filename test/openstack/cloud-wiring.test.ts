import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import {
    clientSettings,
    CloudRefusedError,
    connectCloud,
    type ConnectOptions,
} from '../../operator/cloud.ts';
import type { CloudConfig } from '../../operator/openstack/clouds.ts';
import { ADMIN } from '../../operator/openstack/identity.ts';
import { DEMO_SETTINGS, PRODUCTION_SETTINGS, TEST_SETTINGS } from '../../operator/openstack/settings.ts';
import { RuntimeMetrics } from '../../operator/runtime/metrics.ts';
import { addFault, call, startTestSim, tenant, token } from '../sim/helpers.ts';
import { capturedLog, rejection, simCloud } from './helpers.ts';

const CONFIG = { cloudsYaml: undefined, cloud: undefined, cloudQps: 1000, cloudBurst: 1000 };

describe('the operator wired to the cloud: self-check, metrics and leadership', () => {
    let sim: Simulator;

    before(async () => {
        sim = await startTestSim();
    });

    afterEach(async () => {
        await call(sim, 'DELETE', '/_sim/faults');
    });

    after(async () => {
        await sim.stop();
    });

    function options(overrides: Partial<ConnectOptions> = {}) {
        const { log, lines } = capturedLog();
        const metrics = new RuntimeMetrics();
        const leadership = new AbortController();
        const opts: ConnectOptions = {
            config: CONFIG,
            log,
            metrics: metrics.cloudObserver(),
            leadership: () => leadership.signal,
            settings: TEST_SETTINGS,
            ...overrides,
        };
        return { opts, lines, metrics, leadership };
    }

    it('should pass the self-check, negotiate Nova and record every call in the metrics', async () => {
        const { opts, lines, metrics } = options();

        const cloud = await connectCloud(simCloud(sim), opts);
        await cloud.nova.listFlavors(ADMIN);
        const text = await metrics.registry.metrics();

        expect(text).to.contain(
            'bascule_cloud_requests_total{service="compute",operation="getVersion",code="200"} 1',
        );
        expect(text).to.contain('operation="listFlavors",code="200"} 1');
        expect(text).to.match(/bascule_cloud_request_duration_seconds_count\{service="compute"/);
        expect(text).to.match(/bascule_cloud_throttle_wait_seconds_count\{priority="urgent"\} 1/);
        expect(text).to.match(/bascule_cloud_throttle_wait_seconds_count\{priority="normal"\} \d+/);
        expect(lines.map((l) => JSON.parse(l) as { message: string }).map((l) => l.message)).to.deep.equal([
            'Cloud connected',
        ]);
    });

    it('should log each missing permission on one line and still connect', async () => {
        await tenant(sim, await token(sim), 'wiring-member');
        const member = { username: 'wiring-member-user', password: 'pw', project_name: 'wiring-member' };
        const { opts, lines } = options();

        await connectCloud(simCloud(sim, member), opts);
        const missing = lines
            .map((l) => JSON.parse(l) as { level: string; message: string; permission?: string })
            .filter((l) => l.message === 'Cloud permission missing');

        expect(missing.map((l) => l.permission)).to.include.members([
            'identity:list_projects',
            'os_compute_api:servers:detail:get_all_tenants',
        ]);
        expect(missing.every((l) => l.level === 'warn')).to.equal(true);
    });

    it('should refuse a Nova below 2.73 with one line', async () => {
        const old = await startTestSim({ maxMicroversion: '2.72' });
        try {
            const err = await rejection(connectCloud(simCloud(old), options().opts));

            expect(err).to.be.instanceOf(CloudRefusedError);
            expect((err as Error).message)
                .to.equal(
                    'cloud "sim" refused: Nova offers at most 2.72; Bascule needs microversion 2.73 or newer',
                )
                .and.not.contain('\n');
        } finally {
            await old.stop();
        }
    });

    it('should refuse a cloud it cannot reach, in one line without the password', async () => {
        const gone = await startTestSim();
        const cloud: CloudConfig = simCloud(gone);
        await gone.stop();

        const err = await rejection(connectCloud(cloud, options().opts));

        expect(err).to.be.instanceOf(CloudRefusedError);
        expect((err as Error).message).to.match(/^cloud "sim" not usable at start: identity issueToken: /);
        expect((err as Error).message).not.to.contain('admin');
    });

    it('should abort every in-flight call, and refuse new ones, once leadership is lost', async () => {
        const { opts, leadership } = options();
        const cloud = await connectCloud(simCloud(sim), opts);
        await addFault(sim, { method: 'GET', action: { kind: 'delay', ms: 1500 } });
        const reason = new Error('leadership lost');

        // No caller signal: the client's leadership signal alone must stop them.
        const inFlight = [rejection(cloud.nova.listFlavors(ADMIN)), rejection(cloud.placement.providers())];
        setTimeout(() => {
            leadership.abort(reason);
        }, 50);
        const started = Date.now();

        expect(await Promise.all(inFlight)).to.deep.equal([reason, reason]);
        expect(Date.now() - started).to.be.below(1000);
        expect(await rejection(cloud.placement.providers())).to.equal(reason);
    });
});

describe('clientSettings', () => {
    const base = { cloudsYaml: undefined, cloud: undefined, cloudQps: undefined, cloudBurst: undefined };

    it('should take the named profile, production by default', () => {
        expect(clientSettings({ config: base })).to.deep.equal(PRODUCTION_SETTINGS);
        expect(clientSettings({ config: { ...base, settingsProfile: 'demo' } })).to.deep.equal(DEMO_SETTINGS);
        expect(clientSettings({ config: { ...base, settingsProfile: 'test' } })).to.deep.equal(TEST_SETTINGS);
    });

    it('should let the rate limit flags win over the profile', () => {
        const config = { ...base, settingsProfile: 'demo' as const, cloudQps: 2, cloudBurst: 3 };

        expect(clientSettings({ config })).to.deep.include({
            ...DEMO_SETTINGS,
            rateLimitQps: 2,
            rateLimitBurst: 3,
        });
    });

    it('should let the settle window flag win over the profile', () => {
        const config = { ...base, settingsProfile: 'test' as const, settleWindowMs: 4_000 };

        expect(clientSettings({ config })).to.deep.equal({ ...TEST_SETTINGS, settleWindowMs: 4_000 });
    });
});
