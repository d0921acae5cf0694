// Keystone tokens: password and application-credential authentication, scope, roles and the token body.
import { randomBytes } from 'node:crypto';

import type { Ctx } from '../router.ts';
import type { Domain, Project, Token, User, World } from '../state.ts';
import { HttpError, isRecord, keystoneError, microTime, type Reply } from '../wire.ts';
import { catalog } from './catalog.ts';

const UNAUTHORIZED = 'The request you have made requires authentication.';

/** Roles imply others, as `keystone-manage bootstrap` sets them up: admin → member → reader. */
const IMPLIED: Record<string, string[]> = { admin: ['member', 'reader'], member: ['reader'] };

export function issueToken(ctx: Ctx): Reply {
    const auth = isRecord(ctx.body) && isRecord(ctx.body.auth) ? ctx.body.auth : undefined;
    const identity = auth !== undefined && isRecord(auth.identity) ? auth.identity : undefined;
    if (identity === undefined || !Array.isArray(identity.methods)) {
        throw keystoneError(
            400,
            'Expecting to find identity in auth. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
        );
    }

    const token = identity.methods.includes('application_credential')
        ? appCredentialToken(ctx.world, identity, auth?.scope)
        : passwordToken(ctx.world, identity, auth?.scope);
    ctx.world.tokens.set(token.id, token);

    const body = tokenBody(ctx, token, !ctx.query.has('nocatalog'));
    return { status: 201, body, headers: { 'X-Subject-Token': token.id, Vary: 'X-Auth-Token' } };
}

function passwordToken(world: World, identity: Record<string, unknown>, scope: unknown): Token {
    const password =
        isRecord(identity.password) && isRecord(identity.password.user) ? identity.password.user : {};
    const user = findUser(world, password);
    if (user?.enabled !== true || password.password !== user.password) {
        throw keystoneError(401, UNAUTHORIZED);
    }

    const token = newToken(world, user.id, ['password']);
    if (scope === undefined) {
        return token;
    }
    const target = resolveScope(world, scope);
    const roleIds =
        'projectId' in target
            ? projectRoles(world, user.id, target.projectId)
            : domainRoles(world, user.id, target.domainId);
    if (roleIds.length === 0) {
        throw keystoneError(401, UNAUTHORIZED);
    }
    return { ...token, ...target, roleIds: withImplied(world, roleIds) };
}

function appCredentialToken(world: World, identity: Record<string, unknown>, scope: unknown): Token {
    // Keystone refuses any explicit scope here: the credential's own project is the only one.
    if (scope !== undefined) {
        throw keystoneError(
            401,
            'Error authenticating with application credential: Application credentials cannot request a scope.',
        );
    }
    const given = isRecord(identity.application_credential) ? identity.application_credential : {};
    const credential = [...world.appCredentials.values()].find(
        (c) => (c.id === given.id || c.name === given.name) && c.secret === given.secret,
    );
    if (credential === undefined) {
        throw keystoneError(401, UNAUTHORIZED);
    }
    const token = newToken(world, credential.userId, ['application_credential']);
    return {
        ...token,
        projectId: credential.projectId,
        roleIds: withImplied(world, credential.roleIds),
        appCredentialId: credential.id,
    };
}

function newToken(world: World, userId: string, methods: string[]): Token {
    const now = Date.now();
    return {
        id: `gAAAAAB${randomBytes(132).toString('base64url')}`,
        userId,
        methods,
        roleIds: [],
        issuedAt: now,
        expiresAt: now + world.config.tokenTtlSeconds * 1000,
        auditId: randomBytes(16).toString('base64url').slice(0, 22),
    };
}

function findUser(world: World, given: Record<string, unknown>): User | undefined {
    if (typeof given.id === 'string') {
        return world.users.get(given.id);
    }
    const domain = findDomain(world, given.domain);
    return typeof given.name === 'string' && domain !== undefined
        ? world.userByName(given.name, domain.id)
        : undefined;
}

function findDomain(world: World, given: unknown): Domain | undefined {
    if (!isRecord(given)) {
        return undefined;
    }
    if (typeof given.id === 'string') {
        return world.domains.get(given.id);
    }
    return typeof given.name === 'string' ? world.domainByName(given.name) : undefined;
}

function resolveScope(world: World, scope: unknown): { projectId: string } | { domainId: string } {
    if (isRecord(scope) && isRecord(scope.project)) {
        const project = findProject(world, scope.project);
        if (project === undefined) {
            throw keystoneError(401, UNAUTHORIZED);
        }
        return { projectId: project.id };
    }
    const domain = isRecord(scope) ? findDomain(world, scope.domain) : undefined;
    if (domain === undefined) {
        throw keystoneError(401, UNAUTHORIZED);
    }
    return { domainId: domain.id };
}

function findProject(world: World, given: Record<string, unknown>): Project | undefined {
    if (typeof given.id === 'string') {
        return world.projects.get(given.id);
    }
    const domain = findDomain(world, given.domain);
    return typeof given.name === 'string' && domain !== undefined
        ? world.projectByName(given.name, domain.id)
        : undefined;
}

/** Direct grants on the project, plus grants on its domain marked inherited to projects. */
export function projectRoles(world: World, userId: string, projectId: string): string[] {
    const project = world.projects.get(projectId);
    const ids = world.assignments
        .filter(
            (a) =>
                a.userId === userId &&
                ((a.projectId === projectId && !a.inherited) ||
                    (a.inherited && a.domainId === project?.domainId)),
        )
        .map((a) => a.roleId);
    return [...new Set(ids)];
}

function domainRoles(world: World, userId: string, domainId: string): string[] {
    const ids = world.assignments.filter(
        (a) => a.userId === userId && a.domainId === domainId && !a.inherited,
    );
    return [...new Set(ids.map((a) => a.roleId))];
}

function withImplied(world: World, roleIds: string[]): string[] {
    const names = new Set<string>();
    for (const id of roleIds) {
        const name = world.roles.get(id)?.name;
        if (name !== undefined) {
            names.add(name);
            for (const implied of IMPLIED[name] ?? []) {
                names.add(implied);
            }
        }
    }
    return [...world.roles.values()].filter((r) => names.has(r.name)).map((r) => r.id);
}

export function tokenBody(ctx: Ctx, token: Token, withCatalog: boolean): unknown {
    const world = ctx.world;
    const user = world.users.get(token.userId);
    const userDomain = world.domains.get(user?.domainId ?? '');
    const body: Record<string, unknown> = {
        methods: token.methods,
        user: {
            domain: domainRef(userDomain),
            id: token.userId,
            name: user?.name,
            password_expires_at: null,
        },
        audit_ids: [token.auditId],
        expires_at: `${microTime(token.expiresAt)}Z`,
        issued_at: `${microTime(token.issuedAt)}Z`,
    };

    if (token.projectId !== undefined) {
        const project = world.projects.get(token.projectId);
        body.project = {
            domain: domainRef(world.domains.get(project?.domainId ?? '')),
            id: project?.id,
            name: project?.name,
        };
        body.is_domain = false;
    } else if (token.domainId !== undefined) {
        body.domain = domainRef(world.domains.get(token.domainId));
    }
    if (token.projectId !== undefined || token.domainId !== undefined) {
        body.roles = token.roleIds.map((id) => ({ id, name: world.roles.get(id)?.name }));
        if (withCatalog) {
            body.catalog = catalog(ctx);
        }
    }
    if (token.appCredentialId !== undefined) {
        const credential = world.appCredentials.get(token.appCredentialId);
        body.application_credential = { id: credential?.id, name: credential?.name, restricted: true };
    }
    return { token: body };
}

function domainRef(domain: Domain | undefined): { id: string; name: string } {
    return { id: domain?.id ?? '', name: domain?.name ?? '' };
}

/** The live token behind X-Auth-Token, or a 401. */
export function authenticate(world: World, tokenId: string | undefined): Token {
    const token = tokenId === undefined ? undefined : world.tokens.get(tokenId);
    if (token === undefined || token.expiresAt <= Date.now()) {
        throw keystoneError(401, UNAUTHORIZED);
    }
    return token;
}

export function hasRole(ctx: Ctx, name: string): boolean {
    return (ctx.token?.roleIds ?? []).some((id) => ctx.world.roles.get(id)?.name === name);
}

export function isAdmin(ctx: Ctx): boolean {
    return hasRole(ctx, 'admin');
}

/** Keystone's policy refusal for a non-admin. */
export function requireKeystoneAdmin(ctx: Ctx, action: string): void {
    if (!isAdmin(ctx)) {
        throw new HttpError(
            keystoneError(403, `You are not authorized to perform the requested action: ${action}.`).reply,
        );
    }
}

export function validateToken(ctx: Ctx): Reply {
    const subject = ctx.headers['x-subject-token'];
    const token = typeof subject === 'string' ? ctx.world.tokens.get(subject) : undefined;
    if (token === undefined || token.expiresAt <= Date.now()) {
        throw keystoneError(404, `Could not find token: ${String(subject)}.`);
    }
    const body = ctx.method === 'HEAD' ? undefined : tokenBody(ctx, token, !ctx.query.has('nocatalog'));
    return { status: 200, body, headers: { 'X-Subject-Token': token.id } };
}

export function revokeToken(ctx: Ctx): Reply {
    const subject = ctx.headers['x-subject-token'];
    if (typeof subject !== 'string' || !ctx.world.tokens.delete(subject)) {
        throw keystoneError(404, `Could not find token: ${String(subject)}.`);
    }
    return { status: 204 };
}
