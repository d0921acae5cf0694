// Keystone projects: create, list with filters, show, update, delete, and tags.
import type { Ctx } from '../router.ts';
import { DEFAULT_PORT_QUOTA, type Project } from '../state.ts';
import { isRecord, keystoneError, requireObject, type Reply } from '../wire.ts';
import { hasRole, isAdmin, requireKeystoneAdmin } from './tokens.ts';

export function projectView(ctx: Ctx, project: Project): Record<string, unknown> {
    return {
        id: project.id,
        name: project.name,
        domain_id: project.domainId,
        description: project.description,
        enabled: project.enabled,
        parent_id: project.domainId,
        is_domain: false,
        tags: project.tags,
        options: {},
        links: { self: `${ctx.baseUrl}/identity/v3/projects/${project.id}` },
    };
}

export function createProject(ctx: Ctx): Reply {
    requireKeystoneAdmin(ctx, 'identity:create_project');
    const given = requireObject(ctx.body, 'project', (m) => keystoneError(400, m));
    if (typeof given.name !== 'string' || given.name === '' || given.name.length > 64) {
        throw keystoneError(
            400,
            "Invalid input for field 'name': the name must be a string of 1 to 64 characters.",
        );
    }

    const domainId =
        typeof given.domain_id === 'string' ? given.domain_id : (ctx.token?.domainId ?? 'default');
    if (!ctx.world.domains.has(domainId)) {
        throw keystoneError(404, `Could not find domain: ${domainId}.`);
    }
    const existing = ctx.world.projectByName(given.name, domainId);
    if (existing !== undefined) {
        throw keystoneError(
            409,
            `Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is ${given.name}, project id ${existing.id}.`,
        );
    }

    const project = addProject(ctx, given.name, domainId, given);
    return { status: 201, body: { project: projectView(ctx, project) } };
}

/** Stores a new project; `fixedId` is for seeded projects only (the API never lets a client choose). */
export function addProject(
    ctx: Pick<Ctx, 'world'>,
    name: string,
    domainId: string,
    given: Record<string, unknown>,
    fixedId?: string,
): Project {
    const project: Project = {
        id: fixedId ?? ctx.world.random.keystoneId(),
        name,
        domainId,
        description: typeof given.description === 'string' ? given.description : '',
        enabled: given.enabled !== false,
        tags: stringList(given.tags),
    };
    ctx.world.projects.set(project.id, project);
    ctx.world.portQuotas.set(project.id, DEFAULT_PORT_QUOTA);
    return project;
}

export function listProjects(ctx: Ctx): Reply {
    const q = ctx.query;
    if (!readsDomain(ctx, q.get('domain_id') ?? undefined)) {
        requireKeystoneAdmin(ctx, 'identity:list_projects');
    }
    const allTags = q.get('tags')?.split(',');
    const anyTags = q.get('tags-any')?.split(',');
    const projects = [...ctx.world.projects.values()].filter(
        (p) =>
            (!q.has('name') || p.name === q.get('name')) &&
            (!q.has('domain_id') || p.domainId === q.get('domain_id')) &&
            (!q.has('parent_id') || p.domainId === q.get('parent_id')) &&
            (!q.has('enabled') || String(p.enabled) === q.get('enabled')?.toLowerCase()) &&
            (allTags === undefined || allTags.every((t) => p.tags.includes(t))) &&
            (anyTags === undefined || anyTags.some((t) => p.tags.includes(t))) &&
            q.get('is_domain') !== 'true',
    );
    return {
        status: 200,
        body: {
            projects: projects.map((p) => projectView(ctx, p)),
            links: { self: `${ctx.baseUrl}/identity/v3/projects`, previous: null, next: null },
        },
    };
}

/**
 * Keystone's default policy lets a reader on a domain (a domain-scoped token) read the domain's
 * projects, as it lets an admin read all.
 */
function readsDomain(ctx: Ctx, domainId: string | undefined): boolean {
    return domainId !== undefined && ctx.token?.domainId === domainId && hasRole(ctx, 'reader');
}

/** A project the caller may see: any for an admin, its domain's for a domain reader, else the token's own. */
export function visibleProject(ctx: Ctx, id: string): Project {
    const project = ctx.world.projects.get(id);
    const visible =
        project !== undefined &&
        (isAdmin(ctx) || ctx.token?.projectId === id || readsDomain(ctx, project.domainId));
    if (!visible) {
        throw keystoneError(404, `Could not find project: ${id}.`);
    }
    return project;
}

export function showProject(ctx: Ctx, [id = '']: string[]): Reply {
    return { status: 200, body: { project: projectView(ctx, visibleProject(ctx, id)) } };
}

export function updateProject(ctx: Ctx, [id = '']: string[]): Reply {
    requireKeystoneAdmin(ctx, 'identity:update_project');
    const project = visibleProject(ctx, id);
    const given = requireObject(ctx.body, 'project', (m) => keystoneError(400, m));

    if (typeof given.name === 'string' && given.name !== project.name) {
        if (ctx.world.projectByName(given.name, project.domainId) !== undefined) {
            throw keystoneError(
                409,
                `Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is ${given.name}, project id ${project.id}.`,
            );
        }
        project.name = given.name;
    }
    if (typeof given.description === 'string') {
        project.description = given.description;
    }
    if (typeof given.enabled === 'boolean') {
        project.enabled = given.enabled;
    }
    if (Array.isArray(given.tags)) {
        project.tags = stringList(given.tags);
    }
    return { status: 200, body: { project: projectView(ctx, project) } };
}

export function deleteProject(ctx: Ctx, [id = '']: string[]): Reply {
    requireKeystoneAdmin(ctx, 'identity:delete_project');
    visibleProject(ctx, id);

    // Keystone deletes the project and its grants; Nova keeps the servers, as it really does.
    ctx.world.projects.delete(id);
    ctx.world.assignments = ctx.world.assignments.filter((a) => a.projectId !== id);
    return { status: 204 };
}

export function listProjectTags(ctx: Ctx, [id = '']: string[]): Reply {
    return { status: 200, body: { tags: visibleProject(ctx, id).tags } };
}

export function replaceProjectTags(ctx: Ctx, [id = '']: string[]): Reply {
    requireKeystoneAdmin(ctx, 'identity:update_project_tags');
    const project = visibleProject(ctx, id);
    project.tags = isRecord(ctx.body) ? stringList(ctx.body.tags) : [];
    return { status: 200, body: { tags: project.tags } };
}

export function checkProjectTag(ctx: Ctx, [id = '', tag = '']: string[]): Reply {
    if (!visibleProject(ctx, id).tags.includes(tag)) {
        throw keystoneError(404, `Could not find project tag: ${tag}.`);
    }
    return { status: 204 };
}

export function addProjectTag(ctx: Ctx, [id = '', tag = '']: string[]): Reply {
    requireKeystoneAdmin(ctx, 'identity:create_project_tag');
    const project = visibleProject(ctx, id);
    if (!project.tags.includes(tag)) {
        project.tags.push(tag);
    }
    return { status: 201, headers: { Location: `${ctx.baseUrl}/identity/v3/projects/${id}/tags/${tag}` } };
}

export function deleteProjectTag(ctx: Ctx, [id = '', tag = '']: string[]): Reply {
    requireKeystoneAdmin(ctx, 'identity:delete_project_tag');
    const project = visibleProject(ctx, id);
    if (!project.tags.includes(tag)) {
        throw keystoneError(404, `Could not find project tag: ${tag}.`);
    }
    project.tags = project.tags.filter((t) => t !== tag);
    return { status: 204 };
}

export function clearProjectTags(ctx: Ctx, [id = '']: string[]): Reply {
    requireKeystoneAdmin(ctx, 'identity:delete_project_tags');
    visibleProject(ctx, id).tags = [];
    return { status: 204 };
}

function stringList(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
