import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import {
    addFault,
    call,
    createServer,
    eventually,
    get,
    givesUp,
    NOVA_290,
    startTestSim,
    tenant,
    token,
} from './helpers.ts';

/** Long enough that a client giving up after CLIENT_PATIENCE_MS always gives up first. */
const HELD_MS = 1000;
const CLIENT_PATIENCE_MS = 100;

describe('simulator: slow answers, timeouts and late commits', () => {
    let sim: Simulator;
    let t: { projectId: string; token: string };

    before(async () => {
        sim = await startTestSim();
        t = await tenant(sim, await token(sim), 'slow');
    });

    afterEach(async () => {
        await call(sim, 'DELETE', '/_sim/faults');
    });

    after(async () => {
        await sim.stop();
    });

    async function listByTag(tag: string): Promise<unknown[]> {
        const listed = await call(sim, 'GET', `/compute/v2.1/servers?tags=${tag}`, {
            token: t.token,
            headers: NOVA_290,
        });
        return get(listed.body, 'servers') as unknown[];
    }

    async function loggedCreates(tag: string): Promise<{ status: number; faults: string[] }[]> {
        const log = await call(sim, 'GET', `/_sim/calls?service=compute&method=POST&tag=${tag}`);
        return get(log.body, 'calls') as { status: number; faults: string[] }[];
    }

    it('should answer a delayed request in full to a patient client', async () => {
        await addFault(sim, {
            service: 'compute',
            method: 'GET',
            count: 1,
            action: { kind: 'delay', ms: 20 },
        });
        const answer = await call(sim, 'GET', '/compute/v2.1/servers', { token: t.token });
        expect(answer.status).to.equal(200);
        const log = await call(sim, 'GET', '/_sim/calls?service=compute&method=GET');
        const last = (get(log.body, 'calls') as { faults: string[] }[]).at(-1);
        expect(last?.faults).to.deep.equal(['delay']);
    });

    it('should make an impatient client give up on a delayed request', async () => {
        await addFault(sim, {
            service: 'compute',
            method: 'GET',
            count: 1,
            action: { kind: 'delay', ms: HELD_MS },
        });
        const signal = AbortSignal.timeout(CLIENT_PATIENCE_MS);
        expect(await givesUp(call(sim, 'GET', '/compute/v2.1/servers', { token: t.token, signal }))).to.equal(
            true,
        );
        // The rule was used up: the next request is answered at once.
        expect((await call(sim, 'GET', '/compute/v2.1/servers', { token: t.token })).status).to.equal(200);
    });

    it('should never answer a request hit by a timeout, and not do its work', async () => {
        await addFault(sim, {
            service: 'compute',
            method: 'POST',
            path: '^/v2.1/servers$',
            count: 1,
            action: { kind: 'timeout' },
        });
        const signal = AbortSignal.timeout(CLIENT_PATIENCE_MS);
        const made = createServer(sim, t.token, 'never', { tags: ['uid-timeout'] }, signal);
        expect(await givesUp(made)).to.equal(true);

        const logged = await eventually(async () => {
            const calls = await loggedCreates('uid-timeout');
            return calls.length > 0 ? calls : undefined;
        });
        expect(logged.map((c) => [c.status, c.faults])).to.deep.equal([[0, ['timeout']]]);
        expect(await listByTag('uid-timeout')).to.deep.equal([]);
    });

    it('should commit a create after the client gave up on it', async () => {
        await addFault(sim, {
            service: 'compute',
            method: 'POST',
            path: '^/v2.1/servers$',
            count: 1,
            action: { kind: 'commitAfter', ms: HELD_MS },
        });
        const signal = AbortSignal.timeout(CLIENT_PATIENCE_MS);
        const made = createServer(sim, t.token, 'late', { tags: ['uid-late'] }, signal);
        expect(await givesUp(made)).to.equal(true);

        const servers = await eventually(async () => {
            const listed = await listByTag('uid-late');
            return listed.length > 0 ? listed : undefined;
        });
        expect(servers.length).to.equal(1);
        const calls = await loggedCreates('uid-late');
        expect(calls.map((c) => [c.status, c.faults])).to.deep.equal([[202, ['commitAfter']]]);
    });
});
