import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { OpenStackError } from '../../operator/openstack/errors.ts';
import { KeystoneAdmin } from '../../operator/openstack/keystone-admin.ts';
import { call, get, startTestSim, tenant, token } from '../sim/helpers.ts';
import { harness, rejection, simCloud } from './helpers.ts';

describe('openstack keystone: projects, tags and grants', () => {
    let sim: Simulator;
    let keystone: KeystoneAdmin;
    let userId: string;
    let member: string;

    before(async () => {
        sim = await startTestSim();
        const user = await call(sim, 'POST', '/identity/v3/users', {
            token: await token(sim),
            body: { user: { name: 'grantee', password: 'grantee-pw' } },
        });
        userId = get(user.body, 'user', 'id') as string;
        keystone = new KeystoneAdmin(harness(simCloud(sim)).client);
        member = (await keystone.roleId('member')) ?? '';
    });

    after(async () => {
        await sim.stop();
    });

    const desired = (name: string) => ({ name, domainId: 'default', description: 'd1', tags: ['bascule'] });

    it('should create a project, find it by name and read it back allow-listed', async () => {
        const created = await keystone.createProject(desired('kp-create'));
        const [found] = await keystone.listProjectsByName('kp-create', 'default');

        expect(created).to.deep.include({ name: 'kp-create', domainId: 'default', enabled: true });
        expect(created.tags).to.deep.equal(['bascule']);
        expect(found?.id).to.equal(created.id);
        expect(await keystone.getProject(created.id)).to.deep.equal(created);
        expect(await keystone.listProjectsByName('kp-none', 'default')).to.deep.equal([]);
    });

    it('should refuse a second project of the same name as a Conflict', async () => {
        await keystone.createProject(desired('kp-twice'));
        const err = await rejection(keystone.createProject(desired('kp-twice')));

        expect(err).to.be.instanceOf(OpenStackError).and.include({ kind: 'Conflict', status: 409 });
    });

    it('should update the description and enabled flag, keeping the rest', async () => {
        const { id } = await keystone.createProject(desired('kp-update'));

        const updated = await keystone.updateProject(id, { description: 'd2', enabled: false });

        expect(updated).to.deep.include({ id, name: 'kp-update', description: 'd2', enabled: false });
        expect((await keystone.getProject(id)).enabled).to.equal(false);
    });

    it('should add and remove tags one at a time', async () => {
        const { id } = await keystone.createProject(desired('kp-tags'));

        await keystone.addProjectTag(id, 'bascule-install-x');
        await keystone.addProjectTag(id, 'bascule-install-x');
        await keystone.removeProjectTag(id, 'bascule');

        expect((await keystone.getProject(id)).tags).to.deep.equal(['bascule-install-x']);
    });

    it('should delete a project, after which reading it is NotFound', async () => {
        const { id } = await keystone.createProject(desired('kp-delete'));

        await keystone.deleteProject(id);

        expect(await rejection(keystone.getProject(id)))
            .to.be.instanceOf(OpenStackError)
            .and.include({ kind: 'NotFound' });
    });

    it('should resolve a role by name, and an unknown role as undefined', async () => {
        expect(member).to.match(/^[0-9a-f]{32}$/);
        expect(await keystone.roleId('no-such-role')).to.equal(undefined);
    });

    it('should grant member on a project, list it, and revoke it (twice without error)', async () => {
        const { id } = await keystone.createProject(desired('kp-grant'));

        await keystone.grantOnProject(id, userId, member);
        const granted = await keystone.assignmentsOn(id, userId);
        await keystone.revokeOnProject(id, userId, member);
        await keystone.revokeOnProject(id, userId, member);

        expect(granted).to.deep.equal([
            { roleId: member, userId, projectId: id, domainId: undefined, inherited: false },
        ]);
        expect(await keystone.assignmentsOn(id, userId)).to.deep.equal([]);
    });

    it('should grant member on every project of a domain, present and future, with one grant', async () => {
        const before = await keystone.createProject(desired('kp-inherit-before'));

        expect(await keystone.grantInheritedOnDomain('default', userId, member)).to.equal(true);
        const after = await keystone.createProject(desired('kp-inherit-after'));
        const session = harness(
            simCloud(sim, { username: 'grantee', password: 'grantee-pw', project_name: 'kp-inherit-after' }),
        ).client.identity.session({ kind: 'project', projectId: after.id });

        for (const project of [before, after]) {
            const roles = (await keystone.assignmentsOn(project.id, userId)).map((a) => a.roleId);
            expect(roles).to.deep.equal([member]);
        }
        expect((await session).projectId).to.equal(after.id);
    });

    it('should answer false when policy refuses the inherited grant (grant per project)', async () => {
        const plain = await tenant(sim, await token(sim), 'kp-plain');
        const creds = { username: 'kp-plain-user', password: 'pw', project_name: 'kp-plain' };
        const asMember = new KeystoneAdmin(harness(simCloud(sim, creds)).client);

        expect(await asMember.grantInheritedOnDomain('default', userId, member)).to.equal(false);
        expect(plain.projectId).to.be.a('string');
    });
});
