import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { call, NOVA_290, startTestSim, tenant, token, type Answer } from './helpers.ts';

interface Sample {
    method: string;
    /** The path under the service's prefix, e.g. /v2.1/servers/{id}. */
    path: string;
    request: unknown;
    status: number;
    body: unknown;
}

/** Reads one of the real exchanges in samples/: request line, optional request body, status, response body. */
function sample(name: string): Sample {
    const lines = readFileSync(join(import.meta.dirname, 'samples', name), 'utf8')
        .trim()
        .split('\n');
    const [method = '', url = ''] = (lines[0] ?? '').split(' ');
    const request = lines.find((l) => l.startsWith('request: '))?.slice('request: '.length);
    const status = Number(lines.find((l) => l.startsWith('HTTP '))?.slice('HTTP '.length));
    return {
        method,
        path: new URL(url).pathname,
        request: request === undefined ? undefined : (JSON.parse(request) as unknown),
        status,
        body: JSON.parse(lines.at(-1) ?? '') as unknown,
    };
}

/** What every Nova answer carries, error or not, once a microversion was negotiated. */
function expectNovaHeaders(answer: Answer, version: string): void {
    const requestId = answer.headers.get('x-openstack-request-id');
    expect(requestId).to.match(/^req-[0-9a-f-]{36}$/);
    expect(answer.headers.get('x-compute-request-id')).to.equal(requestId);
    expect(answer.headers.get('openstack-api-version')).to.equal(`compute ${version}`);
    expect(answer.headers.get('x-openstack-nova-api-version')).to.equal(version);
    expect(answer.headers.get('vary')).to.equal('OpenStack-API-Version, X-OpenStack-Nova-API-Version');
}

describe('simulator: the wire format of Nova’s errors', () => {
    let sim: Simulator;
    let admin: string;
    let member: string;

    before(async () => {
        sim = await startTestSim();
        admin = await token(sim);
        member = (await tenant(sim, admin, 'wire')).token;
    });

    after(async () => {
        await sim.stop();
    });

    /** Replays a sample against the simulator with the microversion the samples were taken at. */
    async function replay(s: Sample): Promise<Answer> {
        const path = `/compute${s.path}`;
        return call(sim, s.method, path, { token: member, body: s.request, headers: NOVA_290 });
    }

    // Each sample was taken with a member's token (the admin could see or set everything).
    for (const name of ['server_not_found.txt', 'server_not_found_action.txt', 'quota_set_by_member.txt']) {
        it(`should answer as ${name} does, with Nova’s headers on the error`, async () => {
            const s = sample(name);
            const answer = await replay(s);
            expect(answer.status).to.equal(s.status);
            expect(answer.body).to.deep.equal(s.body);
            expect(answer.headers.get('content-type')).to.equal('application/json; charset=UTF-8');
            expectNovaHeaders(answer, '2.90');
        });
    }

    it('should name the default version on an error when the client asked for none', async () => {
        const s = sample('server_not_found.txt');
        const answer = await call(sim, s.method, `/compute${s.path}`, { token: member });
        expect(answer.status).to.equal(404);
        expectNovaHeaders(answer, '2.1');
    });

    it('should name no version where Nova had none: a refused version, and a refused token', async () => {
        const refused = await call(sim, 'GET', '/compute/v2.1/servers', {
            token: member,
            headers: { 'OpenStack-API-Version': 'compute 2.999' },
        });
        expect(refused.status).to.equal(406);
        expect(refused.headers.get('openstack-api-version')).to.equal(null);
        expect(refused.headers.get('x-compute-request-id')).to.match(/^req-/);

        const unauthenticated = await call(sim, 'GET', '/compute/v2.1/servers', { token: 'nonsense' });
        expect(unauthenticated.status).to.equal(401);
        expect(unauthenticated.headers.get('openstack-api-version')).to.equal(null);
        expect(unauthenticated.headers.get('x-openstack-request-id')).to.match(/^req-/);
    });

    it('should answer successes with plain application/json and the same version headers', async () => {
        const answer = await call(sim, 'GET', '/compute/v2.1/servers', { token: member, headers: NOVA_290 });
        expect(answer.status).to.equal(200);
        expect(answer.headers.get('content-type')).to.equal('application/json');
        expectNovaHeaders(answer, '2.90');
    });
});
