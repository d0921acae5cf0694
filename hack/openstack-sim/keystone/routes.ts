// Keystone v3's routes, under /identity.
import { dispatch, route, type Ctx, type Route } from '../router.ts';
import { keystoneError, type Reply } from '../wire.ts';
import {
    domainGrant,
    inheritedGrant,
    listAssignments,
    listProjectUserRoles,
    projectGrant,
} from './assignments.ts';
import { authCatalog, authDomains, authProjects } from './auth-lists.ts';
import * as identity from './identity.ts';
import * as projects from './projects.ts';
import { issueToken, revokeToken, validateToken } from './tokens.ts';

const GRANT = '/v3/projects/{p}/users/{u}/roles/{r}';
const DOMAIN_GRANT = '/v3/domains/{d}/users/{u}/roles/{r}';
const INHERITED_GRANT = '/v3/OS-INHERIT/domains/{d}/users/{u}/roles/{r}/inherited_to_projects';

const ROUTES: Route[] = [
    route('GET', '/v3/auth/tokens', validateToken),
    route('DELETE', '/v3/auth/tokens', revokeToken),
    route('GET', '/v3/auth/projects', authProjects),
    route('GET', '/v3/auth/domains', authDomains),
    route('GET', '/v3/auth/catalog', authCatalog),
    route('GET', '/v3/domains', identity.listDomains),
    route('POST', '/v3/domains', identity.createDomain),
    route('GET', '/v3/domains/{id}', identity.showDomain),
    route('GET', '/v3/projects', projects.listProjects),
    route('POST', '/v3/projects', projects.createProject),
    route('GET', '/v3/projects/{id}', projects.showProject),
    route('PATCH', '/v3/projects/{id}', projects.updateProject),
    route('DELETE', '/v3/projects/{id}', projects.deleteProject),
    route('GET', '/v3/projects/{id}/tags', projects.listProjectTags),
    route('PUT', '/v3/projects/{id}/tags', projects.replaceProjectTags),
    route('DELETE', '/v3/projects/{id}/tags', projects.clearProjectTags),
    route('GET', '/v3/projects/{id}/tags/{tag}', projects.checkProjectTag),
    route('PUT', '/v3/projects/{id}/tags/{tag}', projects.addProjectTag),
    route('DELETE', '/v3/projects/{id}/tags/{tag}', projects.deleteProjectTag),
    route('GET', '/v3/projects/{p}/users/{u}/roles', listProjectUserRoles),
    route('PUT', GRANT, projectGrant),
    route('GET', GRANT, projectGrant),
    route('DELETE', GRANT, projectGrant),
    route('PUT', DOMAIN_GRANT, domainGrant),
    route('GET', DOMAIN_GRANT, domainGrant),
    route('DELETE', DOMAIN_GRANT, domainGrant),
    route('PUT', INHERITED_GRANT, inheritedGrant),
    route('GET', INHERITED_GRANT, inheritedGrant),
    route('DELETE', INHERITED_GRANT, inheritedGrant),
    route('GET', '/v3/role_assignments', listAssignments),
    route('GET', '/v3/users', identity.listUsers),
    route('POST', '/v3/users', identity.createUser),
    route('GET', '/v3/users/{id}', identity.showUser),
    route('POST', '/v3/users/{id}/application_credentials', identity.createAppCredential),
    route('GET', '/v3/roles', identity.listRoles),
    route('GET', '/v3/roles/{id}', identity.showRole),
];

/** Requests Keystone answers without a token. */
export function isPublic(ctx: Ctx): boolean {
    return (
        ctx.path === '/' ||
        ctx.path === '' ||
        /^\/v3\/?$/.test(ctx.path) ||
        (ctx.path === '/v3/auth/tokens' && ctx.method === 'POST')
    );
}

export function handleIdentity(ctx: Ctx): Reply {
    if (ctx.path === '/' || ctx.path === '') {
        return identity.versions(ctx);
    }
    if (/^\/v3\/?$/.test(ctx.path)) {
        return identity.version(ctx);
    }
    if (ctx.path === '/v3/auth/tokens' && ctx.method === 'POST') {
        return issueToken(ctx);
    }
    return dispatch(ROUTES, ctx, (status) =>
        status === 405
            ? keystoneError(405, 'The method specified is not allowed for the requested URL.')
            : keystoneError(404, 'The resource could not be found.'),
    );
}
