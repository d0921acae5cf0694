import { expect } from 'chai';

import type { CallRecord } from '../../hack/openstack-sim/call-log.ts';
import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { call, createServer, get, NOVA_290, startTestSim, tenant, token, waitForServer } from './helpers.ts';

describe("simulator: Nova locks, as Nova's locked_by decides", () => {
    let sim: Simulator;
    let admin: string;
    let member: { projectId: string; token: string };
    let id: string;

    before(async () => {
        sim = await startTestSim();
        admin = await token(sim);
        member = await tenant(sim, admin, 'locks', { instances: 5, cores: 10, ram: 20480 });
        id = get((await createServer(sim, member.token, 'l1')).body, 'server', 'id') as string;
        await waitForServer(sim, member.token, id, (s) => s.status === 'ACTIVE');
    });

    after(async () => {
        await sim.stop();
    });

    const act = (who: string, body: unknown) =>
        call(sim, 'POST', `/compute/v2.1/servers/${id}/action`, { token: who, body, headers: NOVA_290 });

    it("should refuse the owner's unlock of an admin's lock, and keep the admin's reason on an owner's lock", async () => {
        expect((await act(admin, { lock: { locked_reason: 'ops' } })).status).to.equal(202);
        expect((await act(member.token, { lock: { locked_reason: 'mine' } })).status).to.equal(202);
        const locked = await waitForServer(sim, member.token, id, (s) => s.locked === true);
        expect(locked.locked_reason).to.equal('ops');

        const refused = await act(member.token, { unlock: null });
        expect(refused.status).to.equal(403);
        expect(get(refused.body, 'forbidden', 'message')).to.contain('unlock_override');
        expect((await act(admin, { unlock: null })).status).to.equal(202);
    });

    it('should let the admin act on a locked server and the owner lift its own lock', async () => {
        expect((await act(member.token, { lock: null })).status).to.equal(202);
        expect((await act(member.token, { 'os-stop': null })).status).to.equal(409);
        expect((await act(admin, { 'os-stop': null })).status).to.equal(202);
        expect((await act(member.token, { unlock: null })).status).to.equal(202);
    });

    it('should log the name of each server action', async () => {
        const query = new URLSearchParams({ path: `^/v2.1/servers/${id}/action$` });
        const answer = await call(sim, 'GET', `/_sim/calls?${query.toString()}`);
        const calls = get(answer.body, 'calls') as CallRecord[];
        expect(calls.map((c) => c.action)).to.include.members(['lock', 'unlock', 'os-stop']);
    });
});
