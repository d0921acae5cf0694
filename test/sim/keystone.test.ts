import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { call, get, startTestSim, token } from './helpers.ts';

describe('simulator: Keystone v3', () => {
    let sim: Simulator;
    let admin: string;

    before(async () => {
        sim = await startTestSim();
        admin = await token(sim);
    });

    after(async () => {
        await sim.stop();
    });

    it('should answer version discovery without a token', async () => {
        const root = await call(sim, 'GET', '/identity/');
        expect(root.status).to.equal(300);
        expect(get(root.body, 'versions', 'values', 0, 'id')).to.equal('v3.14');
        const v3 = await call(sim, 'GET', '/identity/v3');
        expect(get(v3.body, 'version', 'status')).to.equal('stable');
    });

    it('should issue a project-scoped token with a catalog of three interfaces and a request ID', async () => {
        const body = {
            auth: {
                identity: {
                    methods: ['password'],
                    password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'admin' } },
                },
                scope: { project: { name: 'admin', domain: { name: 'Default' } } },
            },
        };
        const answer = await call(sim, 'POST', '/identity/v3/auth/tokens', { body });
        expect(answer.status).to.equal(201);
        expect(answer.headers.get('x-subject-token')).to.be.a('string');
        expect(answer.headers.get('x-openstack-request-id')).to.match(/^req-/);
        const catalog = get(answer.body, 'token', 'catalog') as {
            type: string;
            endpoints: { interface: string; region_id: string }[];
        }[];
        const compute = catalog.find((s) => s.type === 'compute');
        expect(compute?.endpoints.map((e) => e.interface)).to.have.members(['public', 'internal', 'admin']);
        expect(compute?.endpoints[0]?.region_id).to.equal('RegionOne');
        expect(get(answer.body, 'token', 'expires_at')).to.match(/Z$/);
        const roles = (get(answer.body, 'token', 'roles') as { name: string }[]).map((r) => r.name);
        expect(roles).to.include.members(['admin', 'member', 'reader']);
    });

    it('should issue a domain-scoped token', async () => {
        const body = {
            auth: {
                identity: {
                    methods: ['password'],
                    password: { user: { name: 'admin', domain: { id: 'default' }, password: 'admin' } },
                },
                scope: { domain: { id: 'default' } },
            },
        };
        const answer = await call(sim, 'POST', '/identity/v3/auth/tokens', { body });
        expect(answer.status).to.equal(201);
        expect(get(answer.body, 'token', 'domain', 'id')).to.equal('default');
    });

    it('should refuse a wrong password with 401', async () => {
        const body = {
            auth: {
                identity: {
                    methods: ['password'],
                    password: { user: { name: 'admin', domain: { id: 'default' }, password: 'nope' } },
                },
            },
        };
        const answer = await call(sim, 'POST', '/identity/v3/auth/tokens', { body });
        expect(answer.status).to.equal(401);
        expect(get(answer.body, 'error', 'title')).to.equal('Unauthorized');
    });

    it('should validate and revoke tokens', async () => {
        const subject = await token(sim);
        const valid = await call(sim, 'GET', '/identity/v3/auth/tokens', {
            token: admin,
            headers: { 'X-Subject-Token': subject },
        });
        expect(valid.status).to.equal(200);
        const revoked = await call(sim, 'DELETE', '/identity/v3/auth/tokens', {
            token: admin,
            headers: { 'X-Subject-Token': subject },
        });
        expect(revoked.status).to.equal(204);
        const gone = await call(sim, 'GET', '/identity/v3/auth/tokens', {
            token: admin,
            headers: { 'X-Subject-Token': subject },
        });
        expect(gone.status).to.equal(404);
        const refused = await call(sim, 'GET', '/compute/v2.1/servers', { token: subject });
        expect(refused.status).to.equal(401);
    });

    it('should create, filter, update, tag and delete projects, refusing duplicates with 409', async () => {
        const made = await call(sim, 'POST', '/identity/v3/projects', {
            token: admin,
            body: { project: { name: 'p1', domain_id: 'default', tags: ['bascule-install-x'] } },
        });
        expect(made.status).to.equal(201);
        const id = get(made.body, 'project', 'id') as string;
        const dup = await call(sim, 'POST', '/identity/v3/projects', {
            token: admin,
            body: { project: { name: 'p1', domain_id: 'default' } },
        });
        expect(dup.status).to.equal(409);
        expect(get(dup.body, 'error', 'message')).to.contain('it is not permitted to have two projects');

        const byName = await call(sim, 'GET', '/identity/v3/projects?name=p1&domain_id=default', {
            token: admin,
        });
        expect((get(byName.body, 'projects') as unknown[]).length).to.equal(1);
        const byTag = await call(sim, 'GET', '/identity/v3/projects?tags=bascule-install-x', {
            token: admin,
        });
        expect(get(byTag.body, 'projects', 0, 'id')).to.equal(id);

        expect(
            (await call(sim, 'PUT', `/identity/v3/projects/${id}/tags/extra`, { token: admin })).status,
        ).to.equal(201);
        expect(
            (await call(sim, 'GET', `/identity/v3/projects/${id}/tags/extra`, { token: admin })).status,
        ).to.equal(204);
        expect(
            (await call(sim, 'DELETE', `/identity/v3/projects/${id}/tags/extra`, { token: admin })).status,
        ).to.equal(204);
        const patched = await call(sim, 'PATCH', `/identity/v3/projects/${id}`, {
            token: admin,
            body: { project: { description: 'Elections' } },
        });
        expect(get(patched.body, 'project', 'description')).to.equal('Elections');
        expect((await call(sim, 'DELETE', `/identity/v3/projects/${id}`, { token: admin })).status).to.equal(
            204,
        );
        expect((await call(sim, 'GET', `/identity/v3/projects/${id}`, { token: admin })).status).to.equal(
            404,
        );
    });

    it('should grant, check, list and revoke roles, including inherited domain grants', async () => {
        const project = get(
            (
                await call(sim, 'POST', '/identity/v3/projects', {
                    token: admin,
                    body: { project: { name: 'p2' } },
                })
            ).body,
            'project',
            'id',
        ) as string;
        const user = get(
            (
                await call(sim, 'POST', '/identity/v3/users', {
                    token: admin,
                    body: { user: { name: 'svc', password: 'pw' } },
                })
            ).body,
            'user',
            'id',
        ) as string;
        const member = get(
            (await call(sim, 'GET', '/identity/v3/roles?name=member', { token: admin })).body,
            'roles',
            0,
            'id',
        ) as string;

        const before = await call(
            sim,
            'GET',
            `/identity/v3/projects/${project}/users/${user}/roles/${member}`,
            { token: admin },
        );
        expect(before.status).to.equal(404);
        const inherited = `/identity/v3/OS-INHERIT/domains/default/users/${user}/roles/${member}/inherited_to_projects`;
        expect((await call(sim, 'PUT', inherited, { token: admin })).status).to.equal(204);
        expect((await call(sim, 'HEAD', inherited, { token: admin })).status).to.equal(204);

        const scoped = await token(sim, 'svc', 'pw', 'p2');
        expect(scoped).to.be.a('string');
        const effective = await call(
            sim,
            'GET',
            `/identity/v3/role_assignments?effective&user.id=${user}&scope.project.id=${project}`,
            { token: admin },
        );
        expect((get(effective.body, 'role_assignments') as unknown[]).length).to.equal(1);

        expect((await call(sim, 'DELETE', inherited, { token: admin })).status).to.equal(204);
        const direct = `/identity/v3/projects/${project}/users/${user}/roles/${member}`;
        expect((await call(sim, 'PUT', direct, { token: admin })).status).to.equal(204);
        expect((await call(sim, 'HEAD', direct, { token: admin })).status).to.equal(204);
    });

    it('should refuse any explicit scope on application-credential authentication with 401', async () => {
        const userId = get(
            (await call(sim, 'GET', '/identity/v3/users?name=admin', { token: admin })).body,
            'users',
            0,
            'id',
        ) as string;
        const made = await call(sim, 'POST', `/identity/v3/users/${userId}/application_credentials`, {
            token: admin,
            body: { application_credential: { name: 'ci' } },
        });
        expect(made.status).to.equal(201);
        const credential = {
            id: get(made.body, 'application_credential', 'id'),
            secret: get(made.body, 'application_credential', 'secret'),
        };

        const unscoped = {
            auth: { identity: { methods: ['application_credential'], application_credential: credential } },
        };
        const ok = await call(sim, 'POST', '/identity/v3/auth/tokens', { body: unscoped });
        expect(ok.status).to.equal(201);
        expect(get(ok.body, 'token', 'project', 'name')).to.equal('admin');

        const scoped = {
            auth: { ...unscoped.auth, scope: { project: { name: 'admin', domain: { id: 'default' } } } },
        };
        const refused = await call(sim, 'POST', '/identity/v3/auth/tokens', { body: scoped });
        expect(refused.status).to.equal(401);
    });

    it('should forbid a member from identity writes', async () => {
        await call(sim, 'POST', '/identity/v3/projects', { token: admin, body: { project: { name: 'p3' } } });
        const user = get(
            (
                await call(sim, 'POST', '/identity/v3/users', {
                    token: admin,
                    body: { user: { name: 'm3', password: 'pw' } },
                })
            ).body,
            'user',
            'id',
        ) as string;
        const member = get(
            (await call(sim, 'GET', '/identity/v3/roles?name=member', { token: admin })).body,
            'roles',
            0,
            'id',
        ) as string;
        const project = get(
            (await call(sim, 'GET', '/identity/v3/projects?name=p3', { token: admin })).body,
            'projects',
            0,
            'id',
        ) as string;
        await call(sim, 'PUT', `/identity/v3/projects/${project}/users/${user}/roles/${member}`, {
            token: admin,
        });

        const tok = await token(sim, 'm3', 'pw', 'p3');
        const refused = await call(sim, 'POST', '/identity/v3/projects', {
            token: tok,
            body: { project: { name: 'nope' } },
        });
        expect(refused.status).to.equal(403);
    });
});
