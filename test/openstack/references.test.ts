import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { CloudClient } from '../../operator/openstack/cloud-client.ts';
import { OpenStackError } from '../../operator/openstack/errors.ts';
import { ADMIN } from '../../operator/openstack/identity.ts';
import { Placement } from '../../operator/openstack/placement.ts';
import { References } from '../../operator/openstack/references.ts';
import { selfCheck } from '../../operator/openstack/selfcheck.ts';
import { TEST_SETTINGS } from '../../operator/openstack/settings.ts';
import { startTestSim, tenant, token } from '../sim/helpers.ts';
import { harness, rejection, simCloud } from './helpers.ts';

describe('openstack references, placement and the self-check', () => {
    let sim: Simulator;

    before(async () => {
        sim = await startTestSim({ networks: ['public', 'private', 'dup', 'dup'] });
    });

    after(async () => {
        await sim.stop();
    });

    it('should resolve an image and a network by name or by ID', async () => {
        const refs = new References(harness(simCloud(sim)).client);
        const image = await refs.image(ADMIN, 'debian-12');
        const network = await refs.network(ADMIN, 'public');

        expect((await refs.image(ADMIN, image.id)).name).to.equal('debian-12');
        expect((await refs.network(ADMIN, network.id)).name).to.equal('public');
    });

    it('should refuse an ambiguous name listing the candidates, and a missing one as NotFound', async () => {
        const refs = new References(harness(simCloud(sim)).client);
        const ambiguous = await rejection(refs.network(ADMIN, 'dup'));
        const missing = await rejection(refs.image(ADMIN, 'nope'));

        expect(ambiguous).to.be.instanceOf(OpenStackError).and.include({ kind: 'Invalid' });
        expect((ambiguous as OpenStackError).serviceMessage).to.match(/AmbiguousName: 2 networks .*, /);
        expect(missing).to.be.instanceOf(OpenStackError).and.include({ kind: 'NotFound' });
    });

    it("should read a project's port quota and usage", async () => {
        const client = harness(simCloud(sim)).client;
        const projectId = (await client.identity.session(ADMIN)).projectId ?? '';
        const quota = await new References(client).portQuota(ADMIN, projectId);
        expect(quota.limit).to.be.a('number');
        expect(quota.used).to.be.at.least(0);
    });

    it('should read capacity per provider and count allocation candidates', async () => {
        const placement = new Placement(harness(simCloud(sim)).client);
        const providers = await placement.providers();
        const capacity = await placement.capacity(providers[0]?.uuid ?? '');

        expect(providers).to.have.length(4);
        expect(capacity.VCPU?.capacity).to.be.greaterThan(0);
        expect(await placement.candidateCount({ VCPU: 1, MEMORY_MB: 512 })).to.equal(4);
    });

    it('should pass the self-check as admin', async () => {
        expect(await selfCheck(harness(simCloud(sim)).client)).to.deep.equal([]);
    });

    it('should name each missing permission in one line for a mere member', async () => {
        await tenant(sim, await token(sim), 'plain');
        const member = harness(
            simCloud(sim, { username: 'plain-user', password: 'pw', project_name: 'plain' }),
        );

        const problems = await selfCheck(member.client);

        expect(problems).to.include('missing permission: os_compute_api:servers:detail:get_all_tenants');
        expect(problems.every((p) => !p.includes('\n'))).to.equal(true);
    });

    it('should refuse a cloud whose Nova counts quota with unified limits', async () => {
        const limits = { registered_limits: [{ resource_name: 'class:VCPU', default_limit: 10 }] };
        const client = new CloudClient({
            cloud: simCloud(sim),
            settings: TEST_SETTINGS,
            fetch: (url, init) =>
                url.includes('/registered_limits')
                    ? Promise.resolve(Response.json(limits))
                    : fetch(url, init),
        });

        expect(await selfCheck(client)).to.deep.equal([
            'Nova counts quota with Keystone unified limits, which Bascule does not support yet',
        ]);
    });
});
