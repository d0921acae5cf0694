// Keystone's other records: version discovery, domains, users, roles and application credentials.
import type { Ctx } from '../router.ts';
import type { Domain, Role, User } from '../state.ts';
import { keystoneError, requireObject, type Reply } from '../wire.ts';
import { requireKeystoneAdmin } from './tokens.ts';

function versionDoc(ctx: Ctx): Record<string, unknown> {
    return {
        id: 'v3.14',
        status: 'stable',
        updated: '2020-04-07T00:00:00Z',
        links: [{ rel: 'self', href: `${ctx.baseUrl}/identity/v3/` }],
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    };
}

export function versions(ctx: Ctx): Reply {
    return { status: 300, body: { versions: { values: [versionDoc(ctx)] } } };
}

export function version(ctx: Ctx): Reply {
    return { status: 200, body: { version: versionDoc(ctx) } };
}

export function domainView(ctx: Ctx, d: Domain): unknown {
    const self = `${ctx.baseUrl}/identity/v3/domains/${d.id}`;
    return {
        id: d.id,
        name: d.name,
        description: d.description,
        enabled: d.enabled,
        tags: [],
        options: {},
        links: { self },
    };
}

export function listDomains(ctx: Ctx): Reply {
    const name = ctx.query.get('name');
    const domains = [...ctx.world.domains.values()].filter((d) => name === null || d.name === name);
    return {
        status: 200,
        body: {
            domains: domains.map((d) => domainView(ctx, d)),
            links: { self: null, previous: null, next: null },
        },
    };
}

export function showDomain(ctx: Ctx, [id = '']: string[]): Reply {
    const domain = ctx.world.domains.get(id);
    if (domain === undefined) {
        throw keystoneError(404, `Could not find domain: ${id}.`);
    }
    return { status: 200, body: { domain: domainView(ctx, domain) } };
}

export function createDomain(ctx: Ctx): Reply {
    requireKeystoneAdmin(ctx, 'identity:create_domain');
    const given = requireObject(ctx.body, 'domain', (m) => keystoneError(400, m));
    if (typeof given.name !== 'string' || ctx.world.domainByName(given.name) !== undefined) {
        throw keystoneError(
            409,
            `Conflict occurred attempting to store domain - Duplicate entry found with name ${String(given.name)}.`,
        );
    }
    const domain: Domain = {
        id: ctx.world.random.keystoneId(),
        name: given.name,
        description: typeof given.description === 'string' ? given.description : '',
        enabled: given.enabled !== false,
    };
    ctx.world.domains.set(domain.id, domain);
    return { status: 201, body: { domain: domainView(ctx, domain) } };
}

function userView(ctx: Ctx, u: User): unknown {
    return {
        id: u.id,
        name: u.name,
        domain_id: u.domainId,
        enabled: u.enabled,
        default_project_id: u.defaultProjectId ?? undefined,
        password_expires_at: null,
        options: {},
        links: { self: `${ctx.baseUrl}/identity/v3/users/${u.id}` },
    };
}

export function listUsers(ctx: Ctx): Reply {
    requireKeystoneAdmin(ctx, 'identity:list_users');
    const q = ctx.query;
    const users = [...ctx.world.users.values()].filter(
        (u) =>
            (!q.has('name') || u.name === q.get('name')) &&
            (!q.has('domain_id') || u.domainId === q.get('domain_id')),
    );
    return {
        status: 200,
        body: {
            users: users.map((u) => userView(ctx, u)),
            links: { self: null, previous: null, next: null },
        },
    };
}

export function showUser(ctx: Ctx, [id = '']: string[]): Reply {
    if (ctx.token?.userId !== id) {
        requireKeystoneAdmin(ctx, 'identity:get_user');
    }
    const user = ctx.world.users.get(id);
    if (user === undefined) {
        throw keystoneError(404, `Could not find user: ${id}.`);
    }
    return { status: 200, body: { user: userView(ctx, user) } };
}

export function createUser(ctx: Ctx): Reply {
    requireKeystoneAdmin(ctx, 'identity:create_user');
    const given = requireObject(ctx.body, 'user', (m) => keystoneError(400, m));
    const domainId = typeof given.domain_id === 'string' ? given.domain_id : 'default';
    if (typeof given.name !== 'string' || ctx.world.userByName(given.name, domainId) !== undefined) {
        throw keystoneError(
            409,
            `Conflict occurred attempting to store user - Duplicate entry found with name ${String(given.name)} at domain ID ${domainId}.`,
        );
    }
    const user: User = {
        id: ctx.world.random.keystoneId(),
        name: given.name,
        domainId,
        password: typeof given.password === 'string' ? given.password : '',
        defaultProjectId: typeof given.default_project_id === 'string' ? given.default_project_id : null,
        enabled: given.enabled !== false,
    };
    ctx.world.users.set(user.id, user);
    return { status: 201, body: { user: userView(ctx, user) } };
}

function roleView(ctx: Ctx, r: Role): unknown {
    return {
        id: r.id,
        name: r.name,
        domain_id: null,
        description: null,
        options: {},
        links: { self: `${ctx.baseUrl}/identity/v3/roles/${r.id}` },
    };
}

export function listRoles(ctx: Ctx): Reply {
    const name = ctx.query.get('name');
    const roles = [...ctx.world.roles.values()].filter((r) => name === null || r.name === name);
    return {
        status: 200,
        body: {
            roles: roles.map((r) => roleView(ctx, r)),
            links: { self: null, previous: null, next: null },
        },
    };
}

export function showRole(ctx: Ctx, [id = '']: string[]): Reply {
    const role = ctx.world.roles.get(id);
    if (role === undefined) {
        throw keystoneError(404, `Could not find role: ${id}.`);
    }
    return { status: 200, body: { role: roleView(ctx, role) } };
}

/** An application credential of the token's user, bound to the token's project with the token's roles. */
export function createAppCredential(ctx: Ctx, [userId = '']: string[]): Reply {
    const token = ctx.token;
    if (token?.userId !== userId || token.projectId === undefined) {
        throw keystoneError(
            403,
            'You are not authorized to perform the requested action: identity:create_application_credential.',
        );
    }
    const given = requireObject(ctx.body, 'application_credential', (m) => keystoneError(400, m));
    const credential = {
        id: ctx.world.random.keystoneId(),
        name: typeof given.name === 'string' ? given.name : 'credential',
        secret: typeof given.secret === 'string' ? given.secret : ctx.world.random.password(32),
        userId,
        projectId: token.projectId,
        roleIds: token.roleIds,
    };
    ctx.world.appCredentials.set(credential.id, credential);

    const roles = credential.roleIds.map((id) => ({
        id,
        name: ctx.world.roles.get(id)?.name,
        domain_id: null,
    }));
    const view = {
        id: credential.id,
        name: credential.name,
        secret: credential.secret,
        project_id: credential.projectId,
        roles,
        unrestricted: false,
        expires_at: null,
        description: null,
    };
    return { status: 201, body: { application_credential: view } };
}
