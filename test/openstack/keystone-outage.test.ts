// A Keystone outage in virtual time: the transport's sleeps advance a clock instead of waiting.
import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { CloudClient, type CloudCall } from '../../operator/openstack/cloud-client.ts';
import { OpenStackError } from '../../operator/openstack/errors.ts';
import { ADMIN } from '../../operator/openstack/identity.ts';
import { PRODUCTION_SETTINGS } from '../../operator/openstack/settings.ts';
import type { Clock } from '../../operator/runtime/clock.ts';
import { call, startTestSim } from '../sim/helpers.ts';
import { countCalls, rejection, simCloud } from './helpers.ts';

const LIST: CloudCall = {
    service: 'compute',
    operation: 'listFlavors',
    method: 'GET',
    path: '/flavors',
    scope: ADMIN,
};

const OUTAGE_MS = 60_000;

/**
 * A production-settings client whose clock only moves when the transport sleeps. `onSleep` runs
 * after each sleep with the virtual time elapsed, so the test can end the outage at a virtual instant.
 * Jitter is at its least (random 0): the shortest waits are the hardest case for outlasting an outage.
 */
function virtualClient(sim: Simulator, onSleep: (elapsedMs: number) => Promise<void>) {
    const start = Date.now();
    let elapsedMs = 0;
    const clock: Clock = {
        now: () => start + elapsedMs,
        setTimer: () => ({ cancel: () => undefined }),
    };
    const sleeps: number[] = [];
    const client = new CloudClient({
        cloud: simCloud(sim),
        settings: PRODUCTION_SETTINGS,
        clock,
        random: () => 0,
        sleep: async (ms) => {
            sleeps.push(ms);
            elapsedMs += ms;
            await onSleep(elapsedMs);
        },
    });
    return { client, sleeps };
}

async function keystoneDown(sim: Simulator): Promise<string> {
    const rule = { service: 'identity', method: 'POST', action: { kind: 'error', status: 503 } };
    const answer = await call(sim, 'POST', '/_sim/faults', { body: rule });
    const [added] = (answer.body as { rules: { id: string }[] }).rules;
    return added?.id ?? '';
}

describe('a Keystone outage with production retry settings', () => {
    let sim: Simulator;

    before(async () => {
        sim = await startTestSim();
    });

    afterEach(async () => {
        await call(sim, 'DELETE', '/_sim/faults');
        await call(sim, 'DELETE', '/_sim/calls');
    });

    after(async () => {
        await sim.stop();
    });

    it('should recover from 60 seconds of 503s with bounded, capped backoff', async () => {
        const ruleId = await keystoneDown(sim);
        let endedAtMs: number | undefined;
        const { client, sleeps } = virtualClient(sim, async (elapsedMs) => {
            if (endedAtMs !== undefined || elapsedMs < OUTAGE_MS) return;
            endedAtMs = elapsedMs;
            await call(sim, 'DELETE', `/_sim/faults/${ruleId}`);
        });

        const answer = await client.call(LIST);

        expect(answer.status).to.equal(200);
        expect(endedAtMs).to.be.at.least(OUTAGE_MS);
        const attempts = await countCalls(sim, 'identity', 'POST', '^/v3/auth/tokens$');
        expect(attempts).to.equal(sleeps.length + 1);
        expect(attempts).to.be.at.most(PRODUCTION_SETTINGS.tokenMaxAttempts);
        expect(sleeps).to.deep.equal([...sleeps].sort((a, b) => a - b));
        expect(Math.max(...sleeps)).to.equal(PRODUCTION_SETTINGS.backoffMaxMs / 2);
    });

    it('should fail as Transient, naming Keystone, when the outage outlasts the retry budget', async () => {
        await keystoneDown(sim);
        const { client, sleeps } = virtualClient(sim, () => Promise.resolve());

        const err = await rejection(client.call(LIST));

        expect(err).to.be.instanceOf(OpenStackError);
        expect(err).to.include({ kind: 'Transient', service: 'identity', operation: 'issueToken' });
        expect((err as Error).message).to.match(/^identity issueToken: Transient, HTTP 503/);
        expect(sleeps).to.have.length(PRODUCTION_SETTINGS.tokenMaxAttempts - 1);
        expect(await countCalls(sim, 'identity', 'POST', '^/v3/auth/tokens$')).to.equal(
            PRODUCTION_SETTINGS.tokenMaxAttempts,
        );
    });
});
