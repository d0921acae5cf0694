// Role assignments: grants on projects and domains, inherited grants, checks and listings.
import type { Ctx } from '../router.ts';
import type { Assignment } from '../state.ts';
import { keystoneError, type Reply } from '../wire.ts';
import { requireKeystoneAdmin } from './tokens.ts';

type Scope = { projectId: string } | { domainId: string };

function grantFor(ctx: Ctx, scope: Scope, userId: string, roleId: string, inherited: boolean): Assignment {
    const world = ctx.world;
    if ('projectId' in scope && !world.projects.has(scope.projectId)) {
        throw keystoneError(404, `Could not find project: ${scope.projectId}.`);
    }
    if ('domainId' in scope && !world.domains.has(scope.domainId)) {
        throw keystoneError(404, `Could not find domain: ${scope.domainId}.`);
    }
    if (!world.users.has(userId)) {
        throw keystoneError(404, `Could not find user: ${userId}.`);
    }
    if (!world.roles.has(roleId)) {
        throw keystoneError(404, `Could not find role: ${roleId}.`);
    }
    return { roleId, userId, ...scope, inherited };
}

function same(a: Assignment, b: Assignment): boolean {
    return (
        a.roleId === b.roleId &&
        a.userId === b.userId &&
        a.projectId === b.projectId &&
        a.domainId === b.domainId &&
        a.inherited === b.inherited
    );
}

function grant(ctx: Ctx, wanted: Assignment): Reply {
    requireKeystoneAdmin(ctx, 'identity:create_grant');
    if (!ctx.world.assignments.some((a) => same(a, wanted))) {
        ctx.world.assignments.push(wanted);
    }
    return { status: 204 };
}

function check(ctx: Ctx, wanted: Assignment): Reply {
    requireKeystoneAdmin(ctx, 'identity:check_grant');
    if (!ctx.world.assignments.some((a) => same(a, wanted))) {
        throw keystoneError(
            404,
            `Could not find role assignment with role: ${wanted.roleId}, user or group: ${wanted.userId}, project, domain, or system: ${wanted.projectId ?? wanted.domainId ?? ''}.`,
        );
    }
    return { status: 204 };
}

function revoke(ctx: Ctx, wanted: Assignment): Reply {
    requireKeystoneAdmin(ctx, 'identity:revoke_grant');
    check(ctx, wanted);
    ctx.world.assignments = ctx.world.assignments.filter((a) => !same(a, wanted));
    return { status: 204 };
}

const ACTIONS = { PUT: grant, HEAD: check, GET: check, DELETE: revoke };

function act(ctx: Ctx, wanted: Assignment): Reply {
    const action = ACTIONS[ctx.method as keyof typeof ACTIONS];
    return action(ctx, wanted);
}

export function projectGrant(ctx: Ctx, [projectId = '', userId = '', roleId = '']: string[]): Reply {
    return act(ctx, grantFor(ctx, { projectId }, userId, roleId, false));
}

export function domainGrant(ctx: Ctx, [domainId = '', userId = '', roleId = '']: string[]): Reply {
    return act(ctx, grantFor(ctx, { domainId }, userId, roleId, false));
}

export function inheritedGrant(ctx: Ctx, [domainId = '', userId = '', roleId = '']: string[]): Reply {
    return act(ctx, grantFor(ctx, { domainId }, userId, roleId, true));
}

export function listProjectUserRoles(ctx: Ctx, [projectId = '', userId = '']: string[]): Reply {
    requireKeystoneAdmin(ctx, 'identity:list_grants');
    const roleIds = ctx.world.assignments
        .filter((a) => a.projectId === projectId && a.userId === userId && !a.inherited)
        .map((a) => a.roleId);
    const roles = roleIds.map((id) => ({ id, name: ctx.world.roles.get(id)?.name }));
    return { status: 200, body: { roles, links: { self: null, previous: null, next: null } } };
}

/** GET /v3/role_assignments, with `effective` expanding inherited grants onto each project of the domain. */
export function listAssignments(ctx: Ctx): Reply {
    requireKeystoneAdmin(ctx, 'identity:list_role_assignments');
    const q = ctx.query;
    const rows = q.has('effective') ? effective(ctx) : ctx.world.assignments;
    const inheritedOnly = q.get('scope.OS-INHERIT:inherited_to') === 'projects';

    const selected = rows.filter(
        (a) =>
            (!q.has('user.id') || a.userId === q.get('user.id')) &&
            (!q.has('role.id') || a.roleId === q.get('role.id')) &&
            (!q.has('scope.project.id') || a.projectId === q.get('scope.project.id')) &&
            (!q.has('scope.domain.id') || a.domainId === q.get('scope.domain.id')) &&
            (!inheritedOnly || a.inherited),
    );
    return {
        status: 200,
        body: {
            role_assignments: selected.map((a) => assignmentView(ctx, a)),
            links: { self: `${ctx.baseUrl}/identity/v3/role_assignments`, previous: null, next: null },
        },
    };
}

function effective(ctx: Ctx): Assignment[] {
    const out: Assignment[] = [];
    for (const a of ctx.world.assignments) {
        if (!a.inherited) {
            out.push(a);
            continue;
        }
        for (const project of ctx.world.projects.values()) {
            if (project.domainId === a.domainId) {
                out.push({ roleId: a.roleId, userId: a.userId, projectId: project.id, inherited: false });
            }
        }
    }
    return out;
}

function assignmentView(ctx: Ctx, a: Assignment): unknown {
    const scope: Record<string, unknown> =
        a.projectId !== undefined ? { project: { id: a.projectId } } : { domain: { id: a.domainId } };
    if (a.inherited) {
        scope['OS-INHERIT:inherited_to'] = 'projects';
    }
    if (ctx.query.has('include_names')) {
        const role = ctx.world.roles.get(a.roleId);
        const user = ctx.world.users.get(a.userId);
        return {
            scope,
            role: { id: a.roleId, name: role?.name },
            user: { id: a.userId, name: user?.name },
            links: {},
        };
    }
    return { scope, role: { id: a.roleId }, user: { id: a.userId }, links: {} };
}
