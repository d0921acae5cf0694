import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { call, createServer, get, NOVA_290, startTestSim, tenant, token, waitForServer } from './helpers.ts';

async function addFault(sim: Simulator, rule: unknown): Promise<void> {
    const answer = await call(sim, 'POST', '/_sim/faults', { body: rule });
    expect(answer.status).to.equal(201);
}

describe('simulator: faults and the call log', () => {
    let sim: Simulator;
    let admin: string;
    let t: { projectId: string; token: string };

    before(async () => {
        sim = await startTestSim({
            faults: [
                { service: 'placement', path: '^/usages', count: 1, action: { kind: 'error', status: 503 } },
            ],
        });
        admin = await token(sim);
        t = await tenant(sim, admin, 'faulty');
    });

    afterEach(async () => {
        await call(sim, 'DELETE', '/_sim/faults');
    });

    after(async () => {
        await sim.stop();
    });

    it('should apply a rule given at start, once', async () => {
        const first = await call(sim, 'GET', `/placement/usages?project_id=${t.projectId}`, { token: admin });
        expect(first.status).to.equal(503);
        expect(get(first.body, 'errors', 0, 'status')).to.equal(503);
        const second = await call(sim, 'GET', `/placement/usages?project_id=${t.projectId}`, {
            token: admin,
        });
        expect(second.status).to.equal(200);
    });

    it('should answer 429 with Retry-After', async () => {
        await addFault(sim, {
            service: 'compute',
            method: 'GET',
            path: '^/v2.1/servers',
            action: { kind: 'rateLimit', retryAfterSeconds: 7 },
        });
        const answer = await call(sim, 'GET', '/compute/v2.1/servers', { token: t.token });
        expect(answer.status).to.equal(429);
        expect(answer.headers.get('retry-after')).to.equal('7');
        expect(get(answer.body, 'overLimit', 'code')).to.equal(429);
    });

    it('should commit a create whose response is lost, and log it with its tags', async () => {
        await addFault(sim, {
            service: 'compute',
            method: 'POST',
            path: '^/v2.1/servers$',
            count: 1,
            action: { kind: 'lostResponse' },
        });
        let failed = false;
        try {
            await createServer(sim, t.token, 'lost', { tags: ['bascule-uid-1'] });
        } catch {
            failed = true;
        }
        expect(failed).to.equal(true);
        const listed = await call(sim, 'GET', '/compute/v2.1/servers?tags=bascule-uid-1', {
            token: t.token,
            headers: NOVA_290,
        });
        expect((get(listed.body, 'servers') as unknown[]).length).to.equal(1);
        const calls = await call(sim, 'GET', '/_sim/calls?service=compute&method=POST&tag=bascule-uid-1');
        expect(get(calls.body, 'count')).to.equal(1);
    });

    it('should drop a connection without doing the work', async () => {
        await addFault(sim, { service: 'compute', method: 'POST', count: 1, action: { kind: 'drop' } });
        let failed = false;
        try {
            await createServer(sim, t.token, 'dropped', { tags: ['bascule-uid-2'] });
        } catch {
            failed = true;
        }
        expect(failed).to.equal(true);
        const listed = await call(sim, 'GET', '/compute/v2.1/servers?tags=bascule-uid-2', {
            token: t.token,
            headers: NOVA_290,
        });
        expect((get(listed.body, 'servers') as unknown[]).length).to.equal(0);
    });

    it('should fail builds on demand', async () => {
        await addFault(sim, {
            service: 'compute',
            method: 'POST',
            path: '^/v2.1/servers$',
            action: { kind: 'buildFailure' },
        });
        const id = get((await createServer(sim, t.token, 'broken')).body, 'server', 'id') as string;
        const failed = await waitForServer(sim, t.token, id, (s) => s.status === 'ERROR');
        expect(get(failed, 'fault', 'code')).to.equal(500);
    });

    it('should show down-cell records as UNKNOWN from 2.69 and hide them before', async () => {
        await createServer(sim, t.token, 'cell');
        await addFault(sim, { service: 'compute', method: 'GET', action: { kind: 'downCell' } });
        const modern = await call(sim, 'GET', '/compute/v2.1/servers/detail', {
            token: t.token,
            headers: NOVA_290,
        });
        const statuses = (get(modern.body, 'servers') as { status: string }[]).map((s) => s.status);
        expect(statuses.length).to.be.greaterThan(0);
        expect(new Set(statuses)).to.deep.equal(new Set(['UNKNOWN']));
        const old = await call(sim, 'GET', '/compute/v2.1/servers/detail', {
            token: t.token,
            headers: { 'OpenStack-API-Version': 'compute 2.60' },
        });
        expect(get(old.body, 'servers')).to.deep.equal([]);
    });

    it('should simulate a Keystone outage', async () => {
        await addFault(sim, { service: 'identity', action: { kind: 'error', status: 503 } });
        const answer = await call(sim, 'POST', '/identity/v3/auth/tokens', { body: {} });
        expect(answer.status).to.equal(503);
        expect(get(answer.body, 'error', 'title')).to.equal('Service Unavailable');
    });

    it('should list and remove rules through the admin endpoint', async () => {
        await addFault(sim, { service: 'image', probability: 0.5, action: { kind: 'delay', ms: 1 } });
        const rules = get((await call(sim, 'GET', '/_sim/faults')).body, 'rules') as { id: string }[];
        expect(rules.length).to.equal(1);
        expect((await call(sim, 'DELETE', `/_sim/faults/${rules[0]?.id ?? ''}`)).status).to.equal(204);
        const bad = await call(sim, 'POST', '/_sim/faults', { body: { action: { kind: 'nonsense' } } });
        expect(bad.status).to.equal(400);
    });
});
