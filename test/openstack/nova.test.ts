import { PassThrough } from 'node:stream';

import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import type { CloudClient } from '../../operator/openstack/cloud-client.ts';
import { OpenStackError } from '../../operator/openstack/errors.ts';
import { ADMIN, type Scope } from '../../operator/openstack/identity.ts';
import { KeystoneAdmin } from '../../operator/openstack/keystone-admin.ts';
import { negotiateNova } from '../../operator/openstack/microversion.ts';
import { Nova, type ServerCreate } from '../../operator/openstack/nova.ts';
import { createLogger, errorFields } from '../../operator/runtime/logging.ts';
import { call, get, startTestSim, tenant, token } from '../sim/helpers.ts';
import { harness, rejection, simCloud, type Harness } from './helpers.ts';

const PASSWORD = 'Bascule-Pw-7f3a91';
const USER_DATA = Buffer.from('#cloud-config\npassword: ud-secret-42\n').toString('base64');

/** A service user like Bascule's: admin on the admin project, member on the tenant's. */
async function serviceUser(sim: Simulator, admin: string): Promise<string> {
    const user = await call(sim, 'POST', '/identity/v3/users', {
        token: admin,
        body: { user: { name: 'bascule', password: PASSWORD } },
    });
    const userId = get(user.body, 'user', 'id') as string;
    const roles = await call(sim, 'GET', '/identity/v3/roles?name=admin', { token: admin });
    const projects = await call(sim, 'GET', '/identity/v3/projects?name=admin', { token: admin });
    const adminProject = get(projects.body, 'projects', 0, 'id') as string;
    const roleId = get(roles.body, 'roles', 0, 'id') as string;
    await call(sim, 'PUT', `/identity/v3/projects/${adminProject}/users/${userId}/roles/${roleId}`, {
        token: admin,
    });
    return userId;
}

describe('openstack nova: typed calls and secrets', () => {
    let sim: Simulator;
    let h: Harness;
    let client: CloudClient;
    let nova: Nova;
    let scope: Scope;
    let projectId: string;
    const errors: unknown[] = [];

    before(async () => {
        sim = await startTestSim();
        const admin = await token(sim);
        const userId = await serviceUser(sim, admin);
        projectId = (await tenant(sim, admin, 'apps', { instances: 6, cores: 100, ram: 100_000 })).projectId;
        h = harness(simCloud(sim, { username: 'bascule', password: PASSWORD }));
        client = h.client;
        const keystone = new KeystoneAdmin(client);
        await keystone.grantOnProject(projectId, userId, (await keystone.roleId('member')) ?? '');
        nova = new Nova(client, await negotiateNova(client));
        scope = { kind: 'project', projectId };
    });

    after(async () => {
        await sim.stop();
    });

    function desired(name: string, tags: string[]): ServerCreate {
        const image = [...sim.world.images.keys()][0] ?? '';
        return {
            name,
            flavorId: '1',
            imageId: image,
            networks: 'none',
            tags,
            metadata: { owner: name },
            userData: USER_DATA,
        };
    }

    it('should negotiate the highest microversion both sides know', async () => {
        expect(await negotiateNova(client)).to.equal('2.96');
    });

    it('should refuse a Nova below 2.73 with one line', async () => {
        const old = await startTestSim({ maxMicroversion: '2.72' });
        try {
            const err = await rejection(negotiateNova(harness(simCloud(old)).client));
            expect(err).to.be.instanceOf(OpenStackError).and.include({ kind: 'Invalid' });
            expect((err as Error).message)
                .to.contain('needs microversion 2.73')
                .and.not.contain('\n');
        } finally {
            await old.stop();
        }
    });

    it('should create a tagged server in the tenant and read it back allow-listed', async () => {
        const id = await nova.createServer(scope, desired('web-1', ['bascule-uid-1', 'bascule-install-x']));
        const server = await nova.getServer(ADMIN, id);

        expect(server).to.include({ id, name: 'web-1', projectId });
        expect(server.tags).to.have.members(['bascule-uid-1', 'bascule-install-x']);
        expect(server.metadata).to.deep.equal({ owner: 'web-1' });
        expect(Object.keys(server)).not.to.include.members(['adminPass', 'userData']);
    });

    it('should list across projects by tag, following every page', async () => {
        for (let i = 0; i < 4; i++)
            await nova.createServer(scope, desired(`page-${i}`, ['bascule-uid-pages']));

        const servers = await nova.listServers(ADMIN, {
            allTenants: true,
            tags: ['bascule-uid-pages'],
            pageSize: 3,
        });
        const any = await nova.listServers(ADMIN, { allTenants: true, tagsAny: ['bascule-uid-1', 'nope'] });

        expect(servers.map((s) => s.name)).to.have.members(['page-0', 'page-1', 'page-2', 'page-3']);
        expect(any.map((s) => s.name)).to.deep.equal(['web-1']);
    });

    it('should list what changed since a time, deleted servers included', async () => {
        const since = new Date(Date.now() - 1000).toISOString();
        const id = await nova.createServer(scope, desired('gone', ['bascule-uid-gone']));
        await nova.deleteServer(scope, id);

        const changed = await nova.listServers(ADMIN, { allTenants: true, changesSince: since });
        expect(changed.map((s) => s.id)).to.include(id);
    });

    it('should classify a quota refusal and a policy refusal of a quota update apart', async () => {
        const inUse = (await nova.getQuotaDetail(projectId)).instances?.inUse ?? 0;
        await nova.updateQuota(projectId, { instances: inUse });
        const member = harness(
            simCloud(sim, { username: 'apps-user', password: 'pw', project_name: 'apps' }),
        );
        const memberNova = new Nova(member.client, '2.90');

        const refused = await rejection(nova.createServer(scope, desired('over', [])));
        const forbidden = await rejection(memberNova.updateQuota(projectId, { instances: 50 }));
        errors.push(refused, forbidden);

        expect(refused)
            .to.be.instanceOf(OpenStackError)
            .and.include({ kind: 'QuotaExceeded', ambiguous: false });
        expect(forbidden)
            .to.be.instanceOf(OpenStackError)
            .and.include({ kind: 'PolicyForbidden', status: 403 });
    });

    it('should lock a server with a reason and report a missing one as NotFound', async () => {
        const [server] = await nova.listServers(scope, { tags: ['bascule-uid-1'] });
        await nova.lock(ADMIN, server?.id ?? '', 'bascule:parked');
        const locked = await nova.getServer(scope, server?.id ?? '');
        const missing = await rejection(nova.getServer(scope, '00000000-1111-2222-3333-444444444444'));
        errors.push(missing);

        expect(locked).to.include({ locked: true, lockedReason: 'bascule:parked' });
        expect(missing).to.be.instanceOf(OpenStackError).and.include({ kind: 'NotFound' });
    });

    it('should let no password, token, user data or adminPass out anywhere', async () => {
        const stream = new PassThrough();
        const lines: string[] = [];
        stream.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
        const log = createLogger('debug', stream);
        for (const err of errors) log.info('cloud call failed', errorFields(err));
        const results = await nova.listServers(ADMIN, { allTenants: true });
        const tokens = [
            (await client.identity.session(ADMIN)).token,
            (await client.identity.session(scope)).token,
        ];
        log.info('listed', { count: results.length });
        await new Promise((resolve) => setImmediate(resolve));

        const raw = await call(sim, 'GET', '/compute/v2.1/servers/detail?all_tenants=1', {
            token: tokens[0],
            headers: { 'OpenStack-API-Version': 'compute 2.96' },
        });
        expect(JSON.stringify(raw.body)).to.contain(USER_DATA);
        const captured = [
            JSON.stringify(results),
            JSON.stringify(h.events),
            ...errors.map(String),
            ...lines,
        ].join('\n');
        const secrets = [PASSWORD, USER_DATA, 'ud-secret-42', 'adminPass', 'user_data', ...tokens];
        for (const secret of secrets) expect(captured).not.to.contain(secret);
        expect(errors).to.have.length(3);
    });
});
