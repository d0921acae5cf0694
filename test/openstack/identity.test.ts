import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { OpenStackError } from '../../operator/openstack/errors.ts';
import { ADMIN } from '../../operator/openstack/identity.ts';
import { KeystoneAdmin } from '../../operator/openstack/keystone-admin.ts';
import { FakeClock } from '../unit/runtime/fake-clock.ts';
import { call, get, startTestSim, tenant, token } from '../sim/helpers.ts';
import { countCalls, harness, rejection, simCloud } from './helpers.ts';

const LIST = { service: 'compute', operation: 'listServers', method: 'GET', path: '/servers' } as const;

describe('openstack identity: tokens, scopes and credentials', () => {
    let sim: Simulator;

    before(async () => {
        sim = await startTestSim({ tokenTtlSeconds: 3600 });
    });

    afterEach(async () => {
        await call(sim, 'DELETE', '/_sim/calls');
    });

    after(async () => {
        await sim.stop();
    });

    it('should cache the admin token across calls', async () => {
        const h = harness(simCloud(sim));
        await h.client.call({ ...LIST, scope: ADMIN });
        await h.client.call({ ...LIST, scope: ADMIN });

        expect(await countCalls(sim, 'identity', 'POST', '^/v3/auth/tokens$')).to.equal(1);
    });

    it('should issue a fresh token once when a service answers 401', async () => {
        const h = harness(simCloud(sim));
        const first = await h.client.identity.session(ADMIN);
        sim.world.tokens.delete(first.token);

        const answer = await h.client.call({ ...LIST, scope: ADMIN });

        expect(answer.status).to.equal(200);
        expect((await h.client.identity.session(ADMIN)).token).not.to.equal(first.token);
        expect(await countCalls(sim, 'identity', 'POST', '^/v3/auth/tokens$')).to.equal(2);
    });

    it('should renew a token before it expires', async () => {
        const clock = new FakeClock(Date.now());
        const h = harness(simCloud(sim), { tokenRenewMarginMs: 60_000 }, clock);
        const first = await h.client.identity.session(ADMIN);

        clock.advance(first.expiresAtMs - clock.now() - 30_000);
        const second = await h.client.identity.session(ADMIN);

        expect(second.token).not.to.equal(first.token);
    });

    it('should scope a token to a tenant project and keep it apart from the admin one', async () => {
        const admin = await token(sim);
        const t = await tenant(sim, admin, 'scoped');
        const h = harness(simCloud(sim));
        const keystone = new KeystoneAdmin(h.client);
        const adminUser = (await h.client.identity.session(ADMIN)).userId ?? '';
        const member = (await keystone.roleId('member')) ?? '';
        await keystone.grantOnProject(t.projectId, adminUser, member);

        const project = await h.client.identity.session({ kind: 'project', projectId: t.projectId });

        expect(project.projectId).to.equal(t.projectId);
        expect(project.token).not.to.equal((await h.client.identity.session(ADMIN)).token);
    });

    it('should pick the endpoint for the region and interface from the catalog', async () => {
        const h = harness(simCloud(sim));
        expect(await h.client.endpoint('placement')).to.equal(`${sim.url}/placement`);

        const elsewhere = harness({ ...simCloud(sim), regionName: 'Nowhere' });
        const err = await rejection(elsewhere.client.endpoint('compute'));
        expect(err)
            .to.be.instanceOf(OpenStackError)
            .and.have.property('message')
            .that.contains('region Nowhere');
    });

    it('should serve only its own project with an application credential', async () => {
        const admin = await token(sim);
        const own = await tenant(sim, admin, 'appcred-own');
        const other = await tenant(sim, admin, 'appcred-other');
        const userId = get(
            await call(sim, 'GET', '/identity/v3/auth/tokens', {
                token: own.token,
                headers: { 'X-Subject-Token': own.token },
            }).then((a) => a.body),
            'token',
            'user',
            'id',
        ) as string;
        const created = await call(sim, 'POST', `/identity/v3/users/${userId}/application_credentials`, {
            token: own.token,
            body: { application_credential: { name: 'bascule', secret: 'app-secret' } },
        });
        const id = get(created.body, 'application_credential', 'id') as string;
        const cloud = simCloud(sim);
        const h = harness({
            ...cloud,
            auth: { type: 'v3applicationcredential', authUrl: cloud.auth.authUrl, id, secret: 'app-secret' },
        });

        const ownSession = await h.client.identity.session({ kind: 'project', projectId: own.projectId });
        const err = await rejection(
            h.client.identity.session({ kind: 'project', projectId: other.projectId }),
        );

        expect(ownSession.projectId).to.equal(own.projectId);
        expect(err).to.be.instanceOf(OpenStackError).and.include({ kind: 'Invalid' });
        expect((err as Error).message)
            .to.match(/only its own project/)
            .and.not.contain('\n');
    });

    it('should refuse a wrong password as PolicyForbidden without quoting it', async () => {
        const h = harness(simCloud(sim, { password: 'wrong-pass' }));
        const err = await rejection(h.client.identity.session(ADMIN));

        expect(err).to.be.instanceOf(OpenStackError).and.include({ kind: 'PolicyForbidden', status: 401 });
        expect(JSON.stringify(err) + String(err)).not.to.contain('wrong-pass');
    });
});
