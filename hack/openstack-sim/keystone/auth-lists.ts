// What a token's user may reach: GET /v3/auth/projects, /v3/auth/domains and /v3/auth/catalog.
// openstacksdk and keystoneauth call these to discover projects and endpoints.
import type { Ctx } from '../router.ts';
import { keystoneError, type Reply } from '../wire.ts';
import { catalog } from './catalog.ts';
import { domainView } from './identity.ts';
import { projectView } from './projects.ts';
import { projectRoles } from './tokens.ts';

function links(ctx: Ctx, path: string): Record<string, string | null> {
    return { self: `${ctx.baseUrl}/identity/v3/auth/${path}`, previous: null, next: null };
}

/** Enabled projects where the user holds a role, directly or inherited from the project's domain. */
export function authProjects(ctx: Ctx): Reply {
    const userId = ctx.token?.userId ?? '';
    const projects = [...ctx.world.projects.values()].filter(
        (p) => p.enabled && projectRoles(ctx.world, userId, p.id).length > 0,
    );
    const body = { projects: projects.map((p) => projectView(ctx, p)), links: links(ctx, 'projects') };
    return { status: 200, body };
}

/** Domains where the user holds a role on the domain itself. */
export function authDomains(ctx: Ctx): Reply {
    const userId = ctx.token?.userId ?? '';
    const domainIds = new Set(
        ctx.world.assignments
            .filter((a) => a.userId === userId && a.domainId !== undefined && !a.inherited)
            .map((a) => a.domainId),
    );
    const domains = [...ctx.world.domains.values()].filter((d) => d.enabled && domainIds.has(d.id));
    const views = domains.map((d) => domainView(ctx, d));
    return { status: 200, body: { domains: views, links: links(ctx, 'domains') } };
}

/** The catalog of the token in X-Auth-Token; an unscoped token has none, and Keystone says so with 403. */
export function authCatalog(ctx: Ctx): Reply {
    if (ctx.token?.projectId === undefined && ctx.token?.domainId === undefined) {
        throw keystoneError(403, 'A project-scoped token is required to produce a service catalog.');
    }
    return { status: 200, body: { catalog: catalog(ctx), links: links(ctx, 'catalog') } };
}
