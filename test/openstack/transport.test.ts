import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { OpenStackError } from '../../operator/openstack/errors.ts';
import { ADMIN } from '../../operator/openstack/identity.ts';
import { addFault, call, startTestSim } from '../sim/helpers.ts';
import { countCalls, harness, rejection, simCloud } from './helpers.ts';

const LIST = {
    service: 'compute',
    operation: 'listServers',
    method: 'GET',
    path: '/servers',
    scope: ADMIN,
} as const;

describe('openstack transport: retries, timeouts and creates', () => {
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

    it('should honour Retry-After on a 429 and then succeed', async () => {
        const h = harness(simCloud(sim));
        const rule = {
            service: 'compute',
            method: 'GET',
            count: 1,
            action: { kind: 'rateLimit', retryAfterSeconds: 3 },
        };
        await addFault(sim, rule);

        const answer = await h.client.call(LIST);

        expect(answer.status).to.equal(200);
        expect(h.sleeps).to.deep.equal([3000]);
        expect(h.events.map((e) => e.code)).to.include.members(['429', '200']);
    });

    it('should give a Retry-After longer than allowed back to the caller', async () => {
        const h = harness(simCloud(sim), { maxRetryAfterMs: 1000 });
        await addFault(sim, {
            service: 'compute',
            method: 'GET',
            count: 1,
            action: { kind: 'rateLimit', retryAfterSeconds: 30 },
        });

        const err = await rejection(h.client.call(LIST));

        expect(err)
            .to.be.instanceOf(OpenStackError)
            .and.include({ kind: 'Transient', retryAfterSeconds: 30 });
        expect(h.sleeps).to.deep.equal([]);
    });

    it('should recover from a Keystone outage with bounded retries', async () => {
        const h = harness(simCloud(sim), { tokenMaxAttempts: 4 });
        await addFault(sim, {
            service: 'identity',
            method: 'POST',
            count: 3,
            action: { kind: 'error', status: 503 },
        });

        const answer = await h.client.call(LIST);

        expect(answer.status).to.equal(200);
        expect(h.sleeps).to.have.length(3);
        expect(h.sleeps[1]).to.be.greaterThan(h.sleeps[0] ?? Infinity);
    });

    it('should stop after the last attempt while Keystone stays down', async () => {
        const h = harness(simCloud(sim), { tokenMaxAttempts: 3 });
        await addFault(sim, { service: 'identity', method: 'POST', action: { kind: 'error', status: 503 } });

        const err = await rejection(h.client.call(LIST));

        expect(err).to.be.instanceOf(OpenStackError).and.include({ kind: 'Transient', status: 503 });
        expect(await countCalls(sim, 'identity', 'POST', '^/v3/auth/tokens$')).to.equal(3);
    });

    it('should time out a call that gets no answer, as Transient', async () => {
        const h = harness(simCloud(sim), { requestTimeoutMs: 50, maxAttempts: 2 });
        await h.client.identity.session(ADMIN);
        await addFault(sim, { service: 'compute', method: 'GET', action: { kind: 'timeout' } });

        const err = await rejection(h.client.call(LIST));

        expect(err).to.be.instanceOf(OpenStackError).and.include({ kind: 'Transient', status: 0 });
        expect(h.events.filter((e) => e.code === 'timeout')).to.have.length(2);
    });

    it('should never resend a create whose outcome is unknown', async () => {
        const h = harness(simCloud(sim));
        await addFault(sim, {
            service: 'compute',
            method: 'POST',
            path: '^/v2.1/servers$',
            action: { kind: 'lostResponse' },
        });
        const image = [...sim.world.images.keys()][0];
        const server = { name: 'once', flavorRef: '1', imageRef: image, networks: 'none' };

        const err = await rejection(
            h.client.call({ ...LIST, operation: 'createServer', method: 'POST', body: { server } }),
        );

        expect(err).to.be.instanceOf(OpenStackError).and.include({ kind: 'Transient', ambiguous: true });
        expect(await countCalls(sim, 'compute', 'POST', '^/v2.1/servers$')).to.equal(1);
    });

    it('should not resend a create refused with 503, and report it as ambiguous', async () => {
        const h = harness(simCloud(sim));
        await addFault(sim, {
            service: 'compute',
            method: 'POST',
            count: 1,
            action: { kind: 'error', status: 503 },
        });

        const err = await rejection(
            h.client.call({ ...LIST, operation: 'createServer', method: 'POST', body: {} }),
        );

        expect(err).to.be.instanceOf(OpenStackError).and.include({ ambiguous: true, status: 503 });
        expect(await countCalls(sim, 'compute', 'POST', '^/v2.1/servers$')).to.equal(1);
    });

    it("should rethrow the caller's abort without retrying", async () => {
        const h = harness(simCloud(sim));
        await h.client.identity.session(ADMIN);
        await addFault(sim, { service: 'compute', method: 'GET', action: { kind: 'timeout' } });
        const controller = new AbortController();
        const reason = new Error('lost leadership');

        const pending = rejection(h.client.call({ ...LIST, signal: controller.signal }));
        setTimeout(() => {
            controller.abort(reason);
        }, 20);

        expect(await pending).to.equal(reason);
        expect(h.sleeps).to.deep.equal([]);
    });

    it('should report every attempt to the observer without IDs', async () => {
        const h = harness(simCloud(sim));
        await h.client.call(LIST);

        expect(h.events.map((e) => `${e.service} ${e.operation} ${e.code}`)).to.deep.equal([
            'identity issueToken 201',
            'compute listServers 200',
        ]);
    });
});
