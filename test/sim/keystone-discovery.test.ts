import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { call, get, startTestSim, tenant, token } from './helpers.ts';

/** A token for `user` scoped to the Default domain. */
async function domainToken(sim: Simulator, user: string, password: string): Promise<string> {
    const body = {
        auth: {
            identity: {
                methods: ['password'],
                password: { user: { name: user, domain: { id: 'default' }, password } },
            },
            scope: { domain: { id: 'default' } },
        },
    };
    const answer = await call(sim, 'POST', '/identity/v3/auth/tokens', { body });
    return answer.headers.get('x-subject-token') ?? '';
}

describe('simulator: Keystone discovery and project tags', () => {
    let sim: Simulator;
    let admin: string;

    before(async () => {
        sim = await startTestSim();
        admin = await token(sim);
    });

    after(async () => {
        await sim.stop();
    });

    async function roleId(name: string): Promise<string> {
        const roles = await call(sim, 'GET', `/identity/v3/roles?name=${name}`, { token: admin });
        return get(roles.body, 'roles', 0, 'id') as string;
    }

    it('should list, replace and clear a project’s tags', async () => {
        const { projectId } = await tenant(sim, admin, 'tagged');
        const path = `/identity/v3/projects/${projectId}/tags`;
        const replaced = await call(sim, 'PUT', path, { token: admin, body: { tags: ['a', 'b'] } });
        expect(replaced.status).to.equal(200);
        expect(get(replaced.body, 'tags')).to.deep.equal(['a', 'b']);
        expect(get((await call(sim, 'GET', path, { token: admin })).body, 'tags')).to.deep.equal(['a', 'b']);

        expect((await call(sim, 'DELETE', path, { token: admin })).status).to.equal(204);
        expect(get((await call(sim, 'GET', path, { token: admin })).body, 'tags')).to.deep.equal([]);
    });

    it('should refuse tag writes from a member', async () => {
        const t = await tenant(sim, admin, 'tagged-member');
        const path = `/identity/v3/projects/${t.projectId}/tags`;
        const answer = await call(sim, 'PUT', path, { token: t.token, body: { tags: ['x'] } });
        expect(answer.status).to.equal(403);
        expect(get((await call(sim, 'GET', path, { token: t.token })).body, 'tags')).to.deep.equal([]);
    });

    it('should list the projects a user has roles on at /v3/auth/projects', async () => {
        const t = await tenant(sim, admin, 'mine');
        await tenant(sim, admin, 'not-mine');
        const answer = await call(sim, 'GET', '/identity/v3/auth/projects', { token: t.token });
        expect(answer.status).to.equal(200);
        const names = (get(answer.body, 'projects') as { name: string }[]).map((p) => p.name);
        expect(names).to.deep.equal(['mine']);
        expect(get(answer.body, 'links', 'self')).to.match(/\/identity\/v3\/auth\/projects$/);
    });

    it('should answer the token’s catalog at /v3/auth/catalog, and 403 for an unscoped token', async () => {
        const answer = await call(sim, 'GET', '/identity/v3/auth/catalog', { token: admin });
        expect(answer.status).to.equal(200);
        const types = (get(answer.body, 'catalog') as { type: string }[]).map((s) => s.type);
        expect(types).to.include.members(['identity', 'compute', 'placement', 'image', 'network']);

        const body = {
            auth: {
                identity: {
                    methods: ['password'],
                    password: { user: { name: 'admin', domain: { id: 'default' }, password: 'admin' } },
                },
            },
        };
        const unscoped = await call(sim, 'POST', '/identity/v3/auth/tokens', { body });
        const tok = unscoped.headers.get('x-subject-token') ?? '';
        const refused = await call(sim, 'GET', '/identity/v3/auth/catalog', { token: tok });
        expect(refused.status).to.equal(403);
        expect(get(refused.body, 'error', 'title')).to.equal('Forbidden');
    });

    it('should let a domain reader list and read the domain’s projects, and nothing else', async () => {
        const { projectId } = await tenant(sim, admin, 'in-domain');
        const user = await call(sim, 'POST', '/identity/v3/users', {
            token: admin,
            body: { user: { name: 'auditor', password: 'pw' } },
        });
        const userId = get(user.body, 'user', 'id') as string;
        const grant = `/identity/v3/domains/default/users/${userId}/roles/${await roleId('reader')}`;
        expect((await call(sim, 'PUT', grant, { token: admin })).status).to.equal(204);
        const reader = await domainToken(sim, 'auditor', 'pw');

        const domains = await call(sim, 'GET', '/identity/v3/auth/domains', { token: reader });
        expect((get(domains.body, 'domains') as { id: string }[]).map((d) => d.id)).to.deep.equal([
            'default',
        ]);
        const listed = await call(sim, 'GET', '/identity/v3/projects?domain_id=default', { token: reader });
        expect(listed.status).to.equal(200);
        expect((get(listed.body, 'projects') as { id: string }[]).map((p) => p.id)).to.include(projectId);
        const shown = await call(sim, 'GET', `/identity/v3/projects/${projectId}`, { token: reader });
        expect(get(shown.body, 'project', 'name')).to.equal('in-domain');

        const unfiltered = await call(sim, 'GET', '/identity/v3/projects', { token: reader });
        expect(unfiltered.status).to.equal(403);
        const write = await call(sim, 'PATCH', `/identity/v3/projects/${projectId}`, {
            token: reader,
            body: { project: { description: 'no' } },
        });
        expect(write.status).to.equal(403);
    });
});
