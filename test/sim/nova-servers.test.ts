import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { call, createServer, get, NOVA_290, startTestSim, tenant, token, waitForServer } from './helpers.ts';

describe('simulator: Nova servers', () => {
    let sim: Simulator;
    let admin: string;
    let member: { projectId: string; token: string };

    before(async () => {
        sim = await startTestSim();
        admin = await token(sim);
        member = await tenant(sim, admin, 'web', { instances: 20, cores: 40, ram: 81920 });
    });

    after(async () => {
        await sim.stop();
    });

    it('should negotiate microversions with both headers and refuse one above the maximum with 406', async () => {
        const legacy = await call(sim, 'GET', '/compute/v2.1/servers', {
            token: member.token,
            headers: { 'X-OpenStack-Nova-API-Version': '2.73' },
        });
        expect(legacy.headers.get('x-openstack-nova-api-version')).to.equal('2.73');
        expect(legacy.headers.get('openstack-api-version')).to.equal('compute 2.73');
        const latest = await call(sim, 'GET', '/compute/v2.1/servers', {
            token: member.token,
            headers: { 'OpenStack-API-Version': 'compute latest' },
        });
        expect(latest.headers.get('openstack-api-version')).to.equal('compute 2.96');
        const tooHigh = await call(sim, 'GET', '/compute/v2.1/servers', {
            token: member.token,
            headers: { 'OpenStack-API-Version': 'compute 2.999' },
        });
        expect(tooHigh.status).to.equal(406);
        const doc = await call(sim, 'GET', '/compute/');
        expect(get(doc.body, 'versions', 0, 'version')).to.equal('2.96');
    });

    it('should create a server with adminPass, go BUILD to ACTIVE, and show user data to admins only', async () => {
        // A boot slow enough to see BUILD, whatever the machine's load.
        sim.world.config.latenciesMs.boot = 400;
        const made = await createServer(sim, member.token, 'a1', {
            user_data: 'c2VjcmV0',
            tags: ['owner-1'],
        });
        sim.world.config.latenciesMs.boot = 10;
        expect(made.status).to.equal(202);
        expect(get(made.body, 'server', 'adminPass')).to.be.a('string');
        const id = get(made.body, 'server', 'id') as string;

        const first = await call(sim, 'GET', `/compute/v2.1/servers/${id}`, {
            token: member.token,
            headers: NOVA_290,
        });
        expect(get(first.body, 'server', 'status')).to.equal('BUILD');
        expect(get(first.body, 'server', 'OS-EXT-STS:vm_state')).to.equal('building');
        expect(get(first.body, 'server', 'OS-EXT-SRV-ATTR:user_data')).to.equal(undefined);

        const active = await waitForServer(sim, member.token, id, (s) => s.status === 'ACTIVE');
        expect(active['OS-EXT-STS:power_state']).to.equal(1);
        expect(active.tags).to.deep.equal(['owner-1']);
        const asAdmin = await call(sim, 'GET', `/compute/v2.1/servers/${id}`, {
            token: admin,
            headers: NOVA_290,
        });
        expect(get(asAdmin.body, 'server', 'OS-EXT-SRV-ATTR:user_data')).to.equal('c2VjcmV0');
        expect(get(asAdmin.body, 'server', 'OS-EXT-SRV-ATTR:host')).to.match(/^compute-/);
    });

    it('should answer 404 itemNotFound for an unknown server and 409 for an action in the wrong state', async () => {
        const missing = await call(sim, 'GET', '/compute/v2.1/servers/00000000-1111-2222-3333-444444444444', {
            token: member.token,
        });
        expect(missing.body).to.deep.equal({
            itemNotFound: {
                code: 404,
                message: 'Instance 00000000-1111-2222-3333-444444444444 could not be found.',
            },
        });
        const id = get((await createServer(sim, member.token, 'a2')).body, 'server', 'id') as string;
        await waitForServer(sim, member.token, id, (s) => s.status === 'ACTIVE');
        const conflict = await call(sim, 'POST', `/compute/v2.1/servers/${id}/action`, {
            token: member.token,
            body: { 'os-start': null },
        });
        expect(conflict.status).to.equal(409);
        expect(get(conflict.body, 'conflictingRequest', 'message')).to.equal(
            `Cannot 'start' instance ${id} while it is in vm_state active`,
        );
    });

    it('should stop, start, shelve (offloaded), unshelve, resize and confirm', async () => {
        const id = get((await createServer(sim, member.token, 'a3')).body, 'server', 'id') as string;
        const act = (body: unknown) =>
            call(sim, 'POST', `/compute/v2.1/servers/${id}/action`, {
                token: member.token,
                body,
                headers: NOVA_290,
            });
        await waitForServer(sim, member.token, id, (s) => s.status === 'ACTIVE');

        expect((await act({ 'os-stop': null })).status).to.equal(202);
        await waitForServer(
            sim,
            member.token,
            id,
            (s) => s.status === 'SHUTOFF' && s['OS-EXT-STS:power_state'] === 4,
        );
        expect((await act({ 'os-start': null })).status).to.equal(202);
        await waitForServer(sim, member.token, id, (s) => s.status === 'ACTIVE');

        expect((await act({ shelve: null })).status).to.equal(202);
        const offloaded = await waitForServer(sim, member.token, id, (s) => s.status === 'SHELVED_OFFLOADED');
        expect(offloaded['OS-EXT-STS:task_state']).to.equal(null);
        expect(sim.world.allocations.has(id)).to.equal(false);
        expect((await act({ unshelve: null })).status).to.equal(202);
        await waitForServer(sim, member.token, id, (s) => s.status === 'ACTIVE');

        expect((await act({ resize: { flavorRef: '4' } })).status).to.equal(202);
        await waitForServer(sim, member.token, id, (s) => s.status === 'VERIFY_RESIZE');
        expect((await act({ confirmResize: null })).status).to.equal(204);
        const resized = await waitForServer(sim, member.token, id, (s) => s.status === 'ACTIVE');
        expect(get(resized, 'flavor', 'original_name')).to.equal('m1.large');
    });

    it('should keep shelve offload for admins and honour locks with a reason', async () => {
        const id = get((await createServer(sim, member.token, 'a4')).body, 'server', 'id') as string;
        await waitForServer(sim, member.token, id, (s) => s.status === 'ACTIVE');
        const offload = await call(sim, 'POST', `/compute/v2.1/servers/${id}/action`, {
            token: member.token,
            body: { shelveOffload: null },
        });
        expect(offload.status).to.equal(403);
        expect(get(offload.body, 'forbidden', 'message')).to.contain('os-shelve:shelve_offload');

        await call(sim, 'POST', `/compute/v2.1/servers/${id}/action`, {
            token: admin,
            body: { lock: { locked_reason: 'bascule:parked' } },
            headers: NOVA_290,
        });
        const locked = await waitForServer(sim, member.token, id, (s) => s.locked === true);
        expect(locked.locked_reason).to.equal('bascule:parked');
        const refused = await call(sim, 'POST', `/compute/v2.1/servers/${id}/action`, {
            token: member.token,
            body: { 'os-stop': null },
        });
        expect(refused.status).to.equal(409);
        await call(sim, 'POST', `/compute/v2.1/servers/${id}/action`, {
            token: admin,
            body: { unlock: null },
        });
        const stopped = await call(sim, 'POST', `/compute/v2.1/servers/${id}/action`, {
            token: member.token,
            body: { 'os-stop': null },
        });
        expect(stopped.status).to.equal(202);
    });

    it('should filter by tags and tags-any, paginate with servers_links, and show DELETED records in changes-since', async () => {
        const since = new Date(Date.now() - 1000).toISOString();
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
            ids.push(
                get(
                    (await createServer(sim, member.token, `page-${i}`, { tags: ['pager', `n${i}`] })).body,
                    'server',
                    'id',
                ) as string,
            );
        }
        const tagged = await call(sim, 'GET', '/compute/v2.1/servers?tags=pager', {
            token: member.token,
            headers: NOVA_290,
        });
        expect((get(tagged.body, 'servers') as unknown[]).length).to.equal(5);
        const any = await call(sim, 'GET', '/compute/v2.1/servers?tags-any=n1,n2', {
            token: member.token,
            headers: NOVA_290,
        });
        expect((get(any.body, 'servers') as unknown[]).length).to.equal(2);

        const page = await call(sim, 'GET', '/compute/v2.1/servers/detail?tags=pager&limit=2', {
            token: member.token,
            headers: NOVA_290,
        });
        expect(get(page.body, 'servers', 0, 'id')).to.equal(ids[4]);
        const next = get(page.body, 'servers_links', 0, 'href') as string;
        expect(next).to.contain('marker=');
        const second = await call(sim, 'GET', next.replace(sim.url, ''), {
            token: member.token,
            headers: NOVA_290,
        });
        expect(get(second.body, 'servers', 0, 'id')).to.equal(ids[2]);

        await call(sim, 'DELETE', `/compute/v2.1/servers/${ids[0]}`, { token: member.token });
        for (let i = 0; i < 200 && sim.world.servers.get(ids[0] ?? '')?.deleted !== true; i++) {
            await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const changes = await call(sim, 'GET', `/compute/v2.1/servers/detail?changes-since=${since}`, {
            token: member.token,
            headers: NOVA_290,
        });
        const deleted = (get(changes.body, 'servers') as { id: string; status: string }[]).find(
            (s) => s.id === ids[0],
        );
        expect(deleted?.status).to.equal('DELETED');
        const plain = await call(sim, 'GET', '/compute/v2.1/servers?tags=pager', {
            token: member.token,
            headers: NOVA_290,
        });
        expect((get(plain.body, 'servers') as unknown[]).length).to.equal(4);
    });

    it('should let only admins list all tenants', async () => {
        const refused = await call(sim, 'GET', '/compute/v2.1/servers?all_tenants=1', {
            token: member.token,
        });
        expect(refused.status).to.equal(403);
        const all = await call(sim, 'GET', '/compute/v2.1/servers/detail?all_tenants=1', {
            token: admin,
            headers: NOVA_290,
        });
        expect((get(all.body, 'servers') as unknown[]).length).to.be.greaterThan(5);
    });

    it('should put a server in ERROR with a fault when no hypervisor fits', async () => {
        await call(sim, 'POST', '/compute/v2.1/flavors', {
            token: admin,
            body: { flavor: { name: 'huge', id: 'huge', vcpus: 500, ram: 1024, disk: 1 } },
        });
        const big = await tenant(sim, admin, 'big', { cores: 1000 });
        const id = get(
            (await createServer(sim, big.token, 'h1', { flavorRef: 'huge' })).body,
            'server',
            'id',
        ) as string;
        const failed = await waitForServer(sim, big.token, id, (s) => s.status === 'ERROR');
        expect(get(failed, 'fault', 'message')).to.equal(
            'No valid host was found. There are not enough hosts available.',
        );
    });

    it('should update a server and manage its tags', async () => {
        const id = get((await createServer(sim, member.token, 'u1')).body, 'server', 'id') as string;
        const renamed = await call(sim, 'PUT', `/compute/v2.1/servers/${id}`, {
            token: member.token,
            body: { server: { name: 'u1b' } },
            headers: NOVA_290,
        });
        expect(get(renamed.body, 'server', 'name')).to.equal('u1b');
        expect(
            (
                await call(sim, 'PUT', `/compute/v2.1/servers/${id}/tags/t1`, {
                    token: member.token,
                    headers: NOVA_290,
                })
            ).status,
        ).to.equal(201);
        expect(
            (
                await call(sim, 'GET', `/compute/v2.1/servers/${id}/tags/t1`, {
                    token: member.token,
                    headers: NOVA_290,
                })
            ).status,
        ).to.equal(204);
        const replaced = await call(sim, 'PUT', `/compute/v2.1/servers/${id}/tags`, {
            token: member.token,
            body: { tags: ['a', 'b'] },
            headers: NOVA_290,
        });
        expect(get(replaced.body, 'tags')).to.deep.equal(['a', 'b']);
        expect(
            (
                await call(sim, 'DELETE', `/compute/v2.1/servers/${id}/tags/a`, {
                    token: member.token,
                    headers: NOVA_290,
                })
            ).status,
        ).to.equal(204);
    });

    it('should keep key pairs per user', async () => {
        const made = await call(sim, 'POST', '/compute/v2.1/os-keypairs', {
            token: member.token,
            body: { keypair: { name: 'k1' } },
            headers: NOVA_290,
        });
        expect(made.status).to.equal(201);
        expect(get(made.body, 'keypair', 'fingerprint')).to.match(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
        const mine = await call(sim, 'GET', '/compute/v2.1/os-keypairs', {
            token: member.token,
            headers: NOVA_290,
        });
        expect((get(mine.body, 'keypairs') as unknown[]).length).to.equal(1);
        const theirs = await call(sim, 'GET', '/compute/v2.1/os-keypairs', {
            token: admin,
            headers: NOVA_290,
        });
        expect((get(theirs.body, 'keypairs') as unknown[]).length).to.equal(0);
    });
});
