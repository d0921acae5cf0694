import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { call, createServer, get, NOVA_290, startTestSim, tenant, token } from './helpers.ts';

describe('simulator: Nova server metadata and flavor management', () => {
    let sim: Simulator;
    let admin: string;
    let t: { projectId: string; token: string };

    before(async () => {
        sim = await startTestSim();
        admin = await token(sim);
        t = await tenant(sim, admin, 'meta', { instances: 10, cores: 40, ram: 81920 });
    });

    after(async () => {
        await sim.stop();
    });

    it('should merge metadata on POST, replace it on PUT, show it and delete one key', async () => {
        const made = await createServer(sim, t.token, 'm1', { metadata: { owner: 'a' } });
        const path = `/compute/v2.1/servers/${get(made.body, 'server', 'id') as string}/metadata`;
        const opts = { token: t.token, headers: NOVA_290 };

        const merged = await call(sim, 'POST', path, { ...opts, body: { metadata: { role: 'web' } } });
        expect(merged.status).to.equal(200);
        expect(get(merged.body, 'metadata')).to.deep.equal({ owner: 'a', role: 'web' });

        const replaced = await call(sim, 'PUT', path, { ...opts, body: { metadata: { only: 'this' } } });
        expect(get(replaced.body, 'metadata')).to.deep.equal({ only: 'this' });
        expect(get((await call(sim, 'GET', path, opts)).body, 'metadata')).to.deep.equal({ only: 'this' });

        expect((await call(sim, 'DELETE', `${path}/only`, opts)).status).to.equal(204);
        expect(get((await call(sim, 'GET', path, opts)).body, 'metadata')).to.deep.equal({});
        const missing = await call(sim, 'DELETE', `${path}/only`, opts);
        expect(missing.status).to.equal(404);
        expect(get(missing.body, 'itemNotFound', 'code')).to.equal(404);
    });

    it('should refuse a metadata write without a metadata object', async () => {
        const made = await createServer(sim, t.token, 'm2');
        const path = `/compute/v2.1/servers/${get(made.body, 'server', 'id') as string}/metadata`;
        const answer = await call(sim, 'PUT', path, {
            token: t.token,
            headers: NOVA_290,
            body: { meta: {} },
        });
        expect(answer.status).to.equal(400);
    });

    it('should let an admin create a flavor, refuse a duplicate ID as Nova does, and delete it', async () => {
        const flavor = { name: 'm1.nano', ram: 128, vcpus: 1, disk: 1, id: 'nano' };
        const created = await call(sim, 'POST', '/compute/v2.1/flavors', {
            token: admin,
            headers: NOVA_290,
            body: { flavor },
        });
        expect(created.status).to.equal(200);
        expect(get(created.body, 'flavor', 'id')).to.equal('nano');
        expect(get(created.body, 'flavor', 'vcpus')).to.equal(1);

        const again = await call(sim, 'POST', '/compute/v2.1/flavors', {
            token: admin,
            headers: NOVA_290,
            body: { flavor: { ...flavor, name: 'm1.nano2' } },
        });
        expect(again.status).to.equal(409);
        expect(again.body).to.deep.equal({
            conflictingRequest: { code: 409, message: 'Flavor with ID nano already exists.' },
        });

        const gone = await call(sim, 'DELETE', '/compute/v2.1/flavors/nano', { token: admin });
        expect(gone.status).to.equal(202);
        const shown = await call(sim, 'GET', '/compute/v2.1/flavors/nano', { token: admin });
        expect(shown.status).to.equal(404);
        expect(get(shown.body, 'itemNotFound', 'message')).to.equal('Flavor nano could not be found.');
    });

    it('should refuse flavor management to a member by policy', async () => {
        const flavor = { name: 'm1.mine', ram: 128, vcpus: 1, disk: 1, id: 'mine' };
        const created = await call(sim, 'POST', '/compute/v2.1/flavors', {
            token: t.token,
            body: { flavor },
        });
        expect(created.status).to.equal(403);
        expect(get(created.body, 'forbidden', 'message')).to.equal(
            "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.",
        );
        const deleted = await call(sim, 'DELETE', '/compute/v2.1/flavors/1', { token: t.token });
        expect(deleted.status).to.equal(403);
    });
});
