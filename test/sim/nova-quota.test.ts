import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { call, createServer, get, NOVA_290, startTestSim, tenant, token, waitForServer } from './helpers.ts';

describe('simulator: Nova quotas', () => {
    let sim: Simulator;
    let admin: string;

    before(async () => {
        sim = await startTestSim();
        admin = await token(sim);
    });

    after(async () => {
        await sim.stop();
    });

    it('should refuse a create over quota with the 403 real Nova answers', async () => {
        const t = await tenant(sim, admin, 'q1', { instances: 1 });
        expect((await createServer(sim, t.token, 's1')).status).to.equal(202);
        const refused = await createServer(sim, t.token, 's2');
        expect(refused.status).to.equal(403);
        expect(refused.body).to.deep.equal({
            forbidden: {
                code: 403,
                message: 'Quota exceeded for instances: Requested 1, but already used 1 of 1 instances',
            },
        });
    });

    it('should refuse a member setting quotas with a policy 403', async () => {
        const t = await tenant(sim, admin, 'q2');
        const refused = await call(sim, 'PUT', `/compute/v2.1/os-quota-sets/${t.projectId}`, {
            token: t.token,
            body: { quota_set: { instances: 50 } },
        });
        expect(refused.body).to.deep.equal({
            forbidden: {
                code: 403,
                message: "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.",
            },
        });
    });

    it('should refuse a quota below usage unless forced, and reject non-integers', async () => {
        const t = await tenant(sim, admin, 'q3', { instances: 5 });
        await createServer(sim, t.token, 's1');
        await createServer(sim, t.token, 's2');
        const path = `/compute/v2.1/os-quota-sets/${t.projectId}`;
        const below = await call(sim, 'PUT', path, { token: admin, body: { quota_set: { instances: 1 } } });
        expect(below.body).to.deep.equal({
            badRequest: {
                code: 400,
                message:
                    'Quota limit 1 for instances must be greater than or equal to already used and reserved 2.',
            },
        });
        const forced = await call(sim, 'PUT', path, {
            token: admin,
            body: { quota_set: { instances: 1, force: true } },
        });
        expect(get(forced.body, 'quota_set', 'instances')).to.equal(1);
        const invalid = await call(sim, 'PUT', path, {
            token: admin,
            body: { quota_set: { instances: 'abc' } },
        });
        expect(get(invalid.body, 'badRequest', 'message')).to.equal(
            "Invalid input for field/attribute instances. Value: abc. 'abc' does not match '^-?[0-9]+$'",
        );

        const detail = await call(sim, 'GET', `${path}/detail`, { token: admin });
        expect(get(detail.body, 'quota_set', 'instances')).to.deep.equal({
            limit: 1,
            in_use: 2,
            reserved: 0,
        });
        expect(get(detail.body, 'quota_set', 'cores', 'in_use')).to.equal(4);
        const limits = await call(sim, 'GET', '/compute/v2.1/limits', { token: t.token, headers: NOVA_290 });
        expect(get(limits.body, 'limits', 'absolute', 'totalInstancesUsed')).to.equal(2);
    });

    it('should check only the growth of a resize against quota', async () => {
        const t = await tenant(sim, admin, 'q4', { cores: 3 });
        const id = get((await createServer(sim, t.token, 's1')).body, 'server', 'id') as string;
        await waitForServer(sim, t.token, id, (s) => s.status === 'ACTIVE');
        const refused = await call(sim, 'POST', `/compute/v2.1/servers/${id}/action`, {
            token: t.token,
            body: { resize: { flavorRef: '4' } },
        });
        expect(refused.status).to.equal(403);
        expect(get(refused.body, 'forbidden', 'message')).to.equal(
            'Quota exceeded for cores: Requested 2, but already used 2 of 3 cores',
        );
    });

    it('should count a shelved-offloaded server in the default mode but not with usage from Placement', async () => {
        const t = await tenant(sim, admin, 'q5', { cores: 2 });
        const id = get((await createServer(sim, t.token, 's1')).body, 'server', 'id') as string;
        await waitForServer(sim, t.token, id, (s) => s.status === 'ACTIVE');
        await call(sim, 'POST', `/compute/v2.1/servers/${id}/action`, {
            token: t.token,
            body: { shelve: null },
        });
        await waitForServer(sim, t.token, id, (s) => s.status === 'SHELVED_OFFLOADED');

        const project = `/compute/v2.1/os-quota-sets/${t.projectId}/detail`;
        expect(
            get((await call(sim, 'GET', project, { token: admin })).body, 'quota_set', 'cores', 'in_use'),
        ).to.equal(2);
        sim.world.config.quotaCounting = 'placement';
        try {
            expect(
                get((await call(sim, 'GET', project, { token: admin })).body, 'quota_set', 'cores', 'in_use'),
            ).to.equal(0);
            const other = await createServer(sim, t.token, 's2');
            expect(other.status).to.equal(202);
            await waitForServer(
                sim,
                t.token,
                get(other.body, 'server', 'id') as string,
                (s) => s.status === 'ACTIVE',
            );
            const unshelve = await call(sim, 'POST', `/compute/v2.1/servers/${id}/action`, {
                token: t.token,
                body: { unshelve: null },
            });
            expect(unshelve.status).to.equal(403);
            expect(get(unshelve.body, 'forbidden', 'message')).to.contain('Quota exceeded for cores');
        } finally {
            sim.world.config.quotaCounting = 'default';
        }
    });
});
