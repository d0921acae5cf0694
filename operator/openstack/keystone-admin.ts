import type { CloudClient } from './cloud-client.ts';
import { isKind } from './errors.ts';
import { ADMIN } from './identity.ts';
import { arr, bool, isRecord, obj, str, strings } from './json.ts';

/** A Keystone project, allow-listed. */
export interface Project {
    id: string;
    name: string;
    domainId: string;
    description: string;
    enabled: boolean;
    tags: string[];
}

/** A role assignment, allow-listed; `inherited` marks an OS-INHERIT domain grant. */
export interface RoleAssignment {
    roleId: string;
    userId: string | undefined;
    projectId: string | undefined;
    domainId: string | undefined;
    inherited: boolean;
}

export interface ProjectCreate {
    name: string;
    domainId: string;
    description: string;
    tags: string[];
}

function parseProject(value: unknown): Project {
    const p = isRecord(value) ? value : {};
    return {
        id: str(p, 'id') ?? '',
        name: str(p, 'name') ?? '',
        domainId: str(p, 'domain_id') ?? '',
        description: str(p, 'description') ?? '',
        enabled: bool(p, 'enabled') ?? true,
        tags: strings(p, 'tags'),
    };
}

function parseAssignment(value: unknown): RoleAssignment {
    const a = isRecord(value) ? value : {};
    const scope = obj(a, 'scope');
    return {
        roleId: str(obj(a, 'role'), 'id') ?? '',
        userId: str(obj(a, 'user'), 'id'),
        projectId: str(obj(scope, 'project'), 'id'),
        domainId: str(obj(scope, 'domain'), 'id'),
        inherited: 'OS-INHERIT:inherited_to' in scope,
    };
}

/**
 * Keystone's control-plane calls (admin token): projects and their tags, roles and grants. Every
 * call takes the caller's signal so a lost leadership aborts it.
 */
export class KeystoneAdmin {
    private readonly client: CloudClient;

    constructor(client: CloudClient) {
        this.client = client;
    }

    async createProject(desired: ProjectCreate, signal?: AbortSignal): Promise<Project> {
        const { name, description, tags, domainId } = desired;
        const body = { project: { name, description, tags, domain_id: domainId } };
        const answer = await this.admin('createProject', 'POST', '/projects', signal, body);
        return parseProject(obj(answer, 'project'));
    }

    async getProject(id: string, signal?: AbortSignal): Promise<Project> {
        const answer = await this.admin('getProject', 'GET', `/projects/${enc(id)}`, signal);
        return parseProject(obj(answer, 'project'));
    }

    /** The ID of the domain named `name`, or undefined when there is none. */
    async domainIdByName(name: string, signal?: AbortSignal): Promise<string | undefined> {
        const query = new URLSearchParams({ name });
        const answer = await this.admin('listDomains', 'GET', `/domains?${query.toString()}`, signal);
        const domain = arr(answer, 'domains').find(isRecord);
        return domain === undefined ? undefined : str(domain, 'id');
    }

    /** Projects named `name` in `domainId` (Keystone names are unique per domain: zero or one). */
    async listProjectsByName(name: string, domainId: string, signal?: AbortSignal): Promise<Project[]> {
        const query = new URLSearchParams({ name, domain_id: domainId });
        const answer = await this.admin('listProjects', 'GET', `/projects?${query.toString()}`, signal);
        return arr(answer, 'projects').map(parseProject);
    }

    async updateProject(
        id: string,
        change: { description?: string; enabled?: boolean },
        signal?: AbortSignal,
    ) {
        const answer = await this.admin('updateProject', 'PATCH', `/projects/${enc(id)}`, signal, {
            project: change,
        });
        return parseProject(obj(answer, 'project'));
    }

    async deleteProject(id: string, signal?: AbortSignal): Promise<void> {
        await this.admin('deleteProject', 'DELETE', `/projects/${enc(id)}`, signal);
    }

    async addProjectTag(id: string, tag: string, signal?: AbortSignal): Promise<void> {
        await this.admin('addProjectTag', 'PUT', `/projects/${enc(id)}/tags/${enc(tag)}`, signal);
    }

    async removeProjectTag(id: string, tag: string, signal?: AbortSignal): Promise<void> {
        await this.admin('removeProjectTag', 'DELETE', `/projects/${enc(id)}/tags/${enc(tag)}`, signal);
    }

    /** The ID of the role named `name`, or undefined. */
    async roleId(name: string, signal?: AbortSignal): Promise<string | undefined> {
        const answer = await this.admin('listRoles', 'GET', `/roles?name=${enc(name)}`, signal);
        const role = arr(answer, 'roles').find(isRecord);
        return role === undefined ? undefined : str(role, 'id');
    }

    /** Grants `roleId` to `userId` on one project. Idempotent. */
    async grantOnProject(projectId: string, userId: string, roleId: string, signal?: AbortSignal) {
        const path = `/projects/${enc(projectId)}/users/${enc(userId)}/roles/${enc(roleId)}`;
        await this.admin('grantProjectRole', 'PUT', path, signal);
    }

    /** Revokes a per-project grant; an absent grant is fine. */
    async revokeOnProject(projectId: string, userId: string, roleId: string, signal?: AbortSignal) {
        const path = `/projects/${enc(projectId)}/users/${enc(userId)}/roles/${enc(roleId)}`;
        await this.admin('revokeProjectRole', 'DELETE', path, signal).catch((err: unknown) => {
            if (!isKind(err, 'NotFound')) throw err;
        });
    }

    /**
     * Grants `roleId` on every project of `domainId`, present and future (OS-INHERIT). Resolves
     * false when the cloud's policy refuses it, so the caller falls back to per-project grants.
     */
    async grantInheritedOnDomain(domainId: string, userId: string, roleId: string, signal?: AbortSignal) {
        const grant = `/domains/${enc(domainId)}/users/${enc(userId)}/roles/${enc(roleId)}`;
        const path = `/OS-INHERIT${grant}/inherited_to_projects`;
        try {
            await this.admin('grantInheritedRole', 'PUT', path, signal);
            return true;
        } catch (err) {
            if (isKind(err, 'PolicyForbidden', 'NotFound')) return false;
            throw err;
        }
    }

    /** The effective assignments of `userId` on `projectId` (inherited ones included). */
    async assignmentsOn(projectId: string, userId: string, signal?: AbortSignal): Promise<RoleAssignment[]> {
        const query = new URLSearchParams({
            'scope.project.id': projectId,
            'user.id': userId,
            effective: '',
        });
        const answer = await this.admin(
            'listRoleAssignments',
            'GET',
            `/role_assignments?${query.toString()}`,
            signal,
        );
        return arr(answer, 'role_assignments').map(parseAssignment);
    }

    private async admin(
        operation: string,
        method: string,
        path: string,
        signal?: AbortSignal,
        body?: unknown,
    ) {
        const call = { service: 'identity', operation, method, path, scope: ADMIN, signal, body } as const;
        // A project create is safe to resend: Keystone refuses a second one with 409 on its name.
        const answer = await this.client.call({ ...call, retry: 'safe' });
        return answer.body;
    }
}

function enc(part: string): string {
    return encodeURIComponent(part);
}
