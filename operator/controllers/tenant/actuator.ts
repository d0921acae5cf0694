import { isKind } from '../../openstack/errors.ts';
import { ADMIN } from '../../openstack/identity.ts';
import type { Project } from '../../openstack/keystone-admin.ts';
import type { Server } from '../../openstack/nova-views.ts';
import { MEMBER_ROLE, type ActuatorDeps } from '../shared/deps.ts';
import { installTag, METADATA_NAME, METADATA_NAMESPACE } from '../shared/naming.ts';
import { orphanCondition, type OrphanReport } from '../shared/orphan-report.ts';
import { policyCondition, type PolicyReport } from '../shared/policy-report.ts';
import { ready, released, terminalOutcome, waiting, type Outcome } from '../shared/outcome.ts';
import type { KindActuator, KindContext } from '../shared/reconciler.ts';
import { fromSpec, maxOf, sameResources } from '../shared/resources.ts';
import { limitsOf, portCondition, resolvedPolicy, usageOf } from './status.ts';
import type { Tenant, TenantStatus } from './types.ts';
import type { TenantRef } from '../sweep/deps.ts';

type Ctx = KindContext<TenantStatus>;

/**
 * A Tenant's cloud side: its Keystone project (created or adopted, never recreated once lost),
 * Bascule's member role on it, and its Nova quota, of which this is the only writer.
 */
export class TenantActuator implements KindActuator<Tenant, TenantStatus> {
    /** Tenants by project ID as last reconciled, for the sweep's Events and metric labels. */
    readonly byProject = new Map<string, TenantRef>();
    private readonly deps: ActuatorDeps;
    private readonly orphans: OrphanReport;
    private serviceUser: Promise<string> | undefined;

    private readonly policy: PolicyReport;

    constructor(deps: ActuatorDeps, orphans: OrphanReport, policy: PolicyReport) {
        this.policy = policy;
        this.deps = deps;
        this.orphans = orphans;
    }

    async reconcile(tenant: Tenant, ctx: Ctx): Promise<Outcome> {
        const project = await this.project(tenant, ctx);
        if ('state' in project) return project;
        ctx.status.deletionPolicy = resolvedPolicy(tenant, ctx.status);

        await this.ensureTag(ctx, project);
        await this.ensureRole(ctx, project.id);
        this.byProject.set(project.id, {
            name: tenant.metadata?.name ?? '',
            uid: tenant.metadata?.uid ?? '',
        });

        const ports = await this.ensureQuota(tenant, ctx, project.id);
        const refused = this.policy.forTenant(tenant.metadata?.name ?? '');
        const extra = [
            ports,
            orphanCondition(this.orphans.forProject(project.id)),
            policyCondition(refused, project.id),
        ];
        return { ...ready('project and quota in place', this.deps.settings.quotaCheckMs), extra };
    }

    async finalize(tenant: Tenant, ctx: Ctx): Promise<Outcome> {
        const projectId = ctx.status.projectID;
        if (projectId === undefined) return released('no project was recorded');
        const { keystone, nova } = this.deps.cloud;
        const gone = await keystone.getProject(projectId, ctx.signal).then(
            () => false,
            (err: unknown) => (isKind(err, 'NotFound') ? true : Promise.reject(err as Error)),
        );
        if (gone) return released('the project is already gone');

        if (resolvedPolicy(tenant, ctx.status) === 'Orphan') return this.orphan(ctx, projectId);

        // Bascule's or not, parked or not: any server keeps the project.
        const servers = await nova.listServers({ kind: 'project', projectId }, {}, { signal: ctx.signal });
        if (servers.length > 0) {
            const message = `${String(servers.length)} servers remain in the project: ${remaining(servers)}`;
            return waiting('DeletionBlocked', message, this.deps.settings.deletionRetryMs);
        }
        await ctx.mutate('deletion', call('DELETE', '/projects/{id}', projectId), () =>
            keystone.deleteProject(projectId, ctx.signal),
        );
        ctx.event({ type: 'Normal', reason: 'ProjectDeleted', action: 'Delete', note: 'project deleted' });
        return released('project deleted');
    }

    private async orphan(ctx: Ctx, projectId: string): Promise<Outcome> {
        const { keystone } = this.deps.cloud;
        const tag = installTag(this.deps.installationId);
        await ctx.mutate('deletion', call('DELETE', '/projects/{id}/tags/{tag}', projectId), () =>
            keystone.removeProjectTag(projectId, tag, ctx.signal),
        );

        const [userId, roleId] = await Promise.all([this.userId(ctx), this.memberRole(ctx)]);
        const path = '/projects/{id}/users/{user}/roles/{role}';
        await ctx.mutate('deletion', call('DELETE', path, projectId), () =>
            keystone.revokeOnProject(projectId, userId, roleId, ctx.signal),
        );
        ctx.event({ type: 'Normal', reason: 'ProjectOrphaned', action: 'Orphan', note: 'project left' });
        return released('project orphaned');
    }

    /** The project, found, adopted or created; or the outcome that stops here. */
    private async project(tenant: Tenant, ctx: Ctx): Promise<Project | Outcome> {
        const { keystone } = this.deps.cloud;
        const known = ctx.status.projectID ?? tenant.spec?.adopt?.projectID;
        if (known !== undefined) {
            try {
                const project = await keystone.getProject(known, ctx.signal);
                return await this.record(ctx, project, ctx.status.origin ?? 'Adopted');
            } catch (err) {
                if (!isKind(err, 'NotFound')) throw err;
                // A project deleted behind Bascule's back is never recreated by itself.
                const reason = ctx.status.projectID === undefined ? 'UnknownReference' : 'ProjectLost';
                return terminalOutcome(reason, `project ${known} does not exist`);
            }
        }
        return this.createOrClaim(tenant, ctx);
    }

    private async createOrClaim(tenant: Tenant, ctx: Ctx): Promise<Project | Outcome> {
        const { keystone } = this.deps.cloud;
        const name = tenant.metadata?.name ?? '';
        const domain = tenant.spec?.domain ?? 'Default';
        const domainId = await keystone.domainIdByName(domain, ctx.signal);
        if (domainId === undefined) return terminalOutcome('UnknownReference', `no domain "${domain}"`);

        const tag = installTag(this.deps.installationId);
        const [existing] = await keystone.listProjectsByName(name, domainId, ctx.signal);
        if (existing !== undefined) {
            if (existing.tags.includes(tag)) return this.record(ctx, existing, 'Created');
            const message = `project "${name}" exists in domain ${domain} without this installation's tag`;
            return terminalOutcome('NameConflict', message);
        }

        const description = tenant.spec?.displayName ?? tenant.spec?.description ?? '';
        const created = await ctx.mutate('spec', call('POST', '/projects', undefined), () =>
            keystone.createProject({ name, domainId, description, tags: [tag] }, ctx.signal),
        );
        ctx.event({ type: 'Normal', reason: 'ProjectCreated', action: 'Create', note: 'project created' });
        return this.record(ctx, created, 'Created');
    }

    /** Writes the project ID the moment it is known. */
    private async record(ctx: Ctx, project: Project, origin: 'Created' | 'Adopted'): Promise<Project> {
        if (ctx.status.projectID === project.id && ctx.status.origin === origin) return project;
        ctx.status.projectID = project.id;
        ctx.status.domainID = project.domainId;
        ctx.status.origin = origin;
        await ctx.persist();
        return project;
    }

    private async ensureTag(ctx: Ctx, project: Project): Promise<void> {
        const tag = installTag(this.deps.installationId);
        if (project.tags.includes(tag)) return;
        await ctx.mutate('adoption', call('PUT', '/projects/{id}/tags/{tag}', project.id), () =>
            this.deps.cloud.keystone.addProjectTag(project.id, tag, ctx.signal),
        );
    }

    private async ensureRole(ctx: Ctx, projectId: string): Promise<void> {
        const { keystone } = this.deps.cloud;
        const [userId, roleId] = await Promise.all([this.userId(ctx), this.memberRole(ctx)]);
        const assignments = await keystone.assignmentsOn(projectId, userId, ctx.signal);
        if (assignments.some((a) => a.roleId === roleId)) return;

        await ctx.mutate('spec', call('PUT', '/projects/{id}/users/{user}/roles/{role}', projectId), () =>
            keystone.grantOnProject(projectId, userId, roleId, ctx.signal),
        );
        ctx.event({ type: 'Normal', reason: 'RoleGranted', action: 'Grant', note: 'member role granted' });
    }

    /** Writes the quota when it differs from what it should be; counts repairs of others' changes. */
    private async ensureQuota(tenant: Tenant, ctx: Ctx, projectId: string) {
        const { nova, references } = this.deps.cloud;
        const detail = await nova.getQuotaDetail(projectId, { signal: ctx.signal });
        const usage = usageOf(detail);
        // Before the arbiter's first decision, the guarantee; then what arbitration decides. Nova
        // refuses a quota below what it counts in use (shelved servers included), so the applied
        // quota is raised to that usage, never forced below it.
        const effective = ctx.status.arbitration?.effective ?? fromSpec(tenant.spec?.guarantee);
        const applied = maxOf(effective, usage);
        ctx.status.usage = usage;
        ctx.status.effectiveQuota = effective;

        if (!sameResources(limitsOf(detail), applied)) {
            const repair = sameResources(ctx.status.appliedQuota, applied);
            const limits = { instances: applied.instances, cores: applied.cores, ram: applied.ramMiB };
            const quotaCall = { ...call('PUT', '/os-quota-sets/{id}', projectId), service: 'compute' };
            const trigger = repair ? 'drift' : ctx.status.arbitration ? 'arbiter' : 'spec';
            await ctx.mutate(trigger, quotaCall, () =>
                nova.updateQuota(projectId, limits, { signal: ctx.signal }),
            );
            if (repair) this.countRepair(tenant, ctx);
        }
        ctx.status.appliedQuota = applied;

        const ports = await references.portQuota(ADMIN, projectId, ctx.signal);
        return portCondition(ports, applied, usage);
    }

    private countRepair(tenant: Tenant, ctx: Ctx): void {
        ctx.status.quotaRepairs = (ctx.status.quotaRepairs ?? 0) + 1;
        this.deps.metrics.quotaRepairs.inc({ tenant: tenant.metadata?.name ?? '' });
        const note = 'quota changed outside Bascule; restored';
        ctx.event({ type: 'Warning', reason: 'QuotaRepaired', action: 'UpdateQuota', note });
    }

    private userId(ctx: Ctx): Promise<string> {
        this.serviceUser ??= this.deps.cloud.client.identity
            .session(ADMIN, ctx.signal)
            .then((session) => session.userId ?? '');
        return this.serviceUser.catch((err: unknown) => {
            this.serviceUser = undefined;
            throw err;
        });
    }

    private async memberRole(ctx: Ctx): Promise<string> {
        const id = await this.deps.cloud.keystone.roleId(MEMBER_ROLE, ctx.signal);
        if (id === undefined) throw new Error(`no Keystone role "${MEMBER_ROLE}"`);
        return id;
    }
}

/** How many remaining servers a DeletionBlocked message names before it counts the rest. */
const NAMED_SERVERS = 10;

/**
 * The servers keeping a project, for people: a VirtualMachine's namespace/name where the server
 * carries them (Bascule's), else the server's name, with its ID; the first ten, then a count.
 */
function remaining(servers: readonly Server[]): string {
    const named = servers.slice(0, NAMED_SERVERS).map((s) => {
        const namespace = s.metadata[METADATA_NAMESPACE];
        const name = s.metadata[METADATA_NAME];
        const who =
            namespace !== undefined && name !== undefined ? `VirtualMachine ${namespace}/${name}` : s.name;
        return `${who} (${s.id})`;
    });
    const more = servers.length - named.length;
    return more > 0 ? `${named.join(', ')} and ${String(more)} more` : named.join(', ');
}

function call(method: string, pathTemplate: string, targetId: string | undefined) {
    return { service: 'identity', method, pathTemplate, targetId };
}
