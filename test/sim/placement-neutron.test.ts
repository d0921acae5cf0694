import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { call, createServer, get, startTestSim, tenant, token, waitForServer } from './helpers.ts';

describe('simulator: Placement, Glance and Neutron', () => {
    let sim: Simulator;
    let admin: string;

    before(async () => {
        sim = await startTestSim();
        admin = await token(sim);
    });

    after(async () => {
        await sim.stop();
    });

    it('should list providers with inventories after allocation ratios, and allocations per consumer', async () => {
        const providers = await call(sim, 'GET', '/placement/resource_providers', { token: admin });
        const uuid = get(providers.body, 'resource_providers', 0, 'uuid') as string;
        expect((get(providers.body, 'resource_providers') as unknown[]).length).to.equal(4);
        const inventory = await call(sim, 'GET', `/placement/resource_providers/${uuid}/inventories`, {
            token: admin,
        });
        expect(get(inventory.body, 'inventories', 'VCPU')).to.include({ total: 20, allocation_ratio: 4 });

        const t = await tenant(sim, admin, 'pl');
        const id = get((await createServer(sim, t.token, 's1')).body, 'server', 'id') as string;
        await waitForServer(sim, t.token, id, (s) => s.status === 'ACTIVE');
        const allocation = await call(sim, 'GET', `/placement/allocations/${id}`, { token: admin });
        expect(get(allocation.body, 'project_id')).to.equal(t.projectId);
        const usages = await call(sim, 'GET', `/placement/usages?project_id=${t.projectId}`, {
            token: admin,
        });
        expect(get(usages.body, 'usages')).to.deep.equal({ VCPU: 2, MEMORY_MB: 4096, DISK_GB: 20 });
    });

    it('should narrow allocation candidates with member_of', async () => {
        const providers = await call(sim, 'GET', '/placement/resource_providers', { token: admin });
        const first = get(providers.body, 'resource_providers', 0) as { uuid: string; generation: number };
        const agg = '11111111-2222-3333-4444-555555555555';
        const set = await call(sim, 'PUT', `/placement/resource_providers/${first.uuid}/aggregates`, {
            token: admin,
            body: { aggregates: [agg], resource_provider_generation: first.generation },
            headers: { 'OpenStack-API-Version': 'placement 1.19' },
        });
        expect(set.status).to.equal(200);
        const all = await call(
            sim,
            'GET',
            '/placement/allocation_candidates?resources=VCPU:2,MEMORY_MB:4096',
            { token: admin },
        );
        expect((get(all.body, 'allocation_requests') as unknown[]).length).to.equal(4);
        const member = await call(
            sim,
            'GET',
            `/placement/allocation_candidates?resources=VCPU:2,MEMORY_MB:4096&member_of=in:${agg}`,
            { token: admin },
        );
        expect(Object.keys(get(member.body, 'provider_summaries') as object)).to.deep.equal([first.uuid]);
    });

    it('should find images and networks by name and ID', async () => {
        const t = await tenant(sim, admin, 'gn');
        const images = await call(sim, 'GET', '/image/v2/images?name=debian-12', { token: t.token });
        const imageId = get(images.body, 'images', 0, 'id') as string;
        expect((await call(sim, 'GET', `/image/v2/images/${imageId}`, { token: t.token })).status).to.equal(
            200,
        );
        const networks = await call(sim, 'GET', '/network/v2.0/networks?name=private', { token: t.token });
        const networkId = get(networks.body, 'networks', 0, 'id') as string;
        expect(
            (await call(sim, 'GET', `/network/v2.0/networks/${networkId}`, { token: t.token })).status,
        ).to.equal(200);
        const missing = await call(sim, 'GET', '/network/v2.0/networks/nope', { token: t.token });
        expect(get(missing.body, 'NeutronError', 'type')).to.equal('NetworkNotFound');
    });

    it('should give a networked server a port and refuse one over the port quota', async () => {
        const t = await tenant(sim, admin, 'ports');
        const networkId = get(
            (await call(sim, 'GET', '/network/v2.0/networks?name=private', { token: t.token })).body,
            'networks',
            0,
            'id',
        ) as string;
        await call(sim, 'PUT', `/network/v2.0/quotas/${t.projectId}`, {
            token: admin,
            body: { quota: { port: 1 } },
        });
        expect((await createServer(sim, t.token, 'n1', { networks: [{ uuid: networkId }] })).status).to.equal(
            202,
        );
        const details = await call(sim, 'GET', `/network/v2.0/quotas/${t.projectId}/details.json`, {
            token: admin,
        });
        expect(get(details.body, 'quota', 'port')).to.deep.equal({ limit: 1, used: 1, reserved: 0 });
        const refused = await createServer(sim, t.token, 'n2', { networks: 'auto' });
        expect(refused.status).to.equal(403);
        expect(get(refused.body, 'forbidden', 'message')).to.equal('Maximum number of ports exceeded');
    });
});
