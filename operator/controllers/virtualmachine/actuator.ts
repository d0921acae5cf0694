import { isKind, OpenStackError } from '../../openstack/errors.ts';
import { ADMIN, type Scope } from '../../openstack/identity.ts';
import type { Server } from '../../openstack/nova-views.ts';
import { objectKey } from '../../runtime/kube-object.ts';
import type { ActuatorDeps } from '../shared/deps.ts';
import { METADATA_NAME, METADATA_NAMESPACE, installTag, ownerTag, serverName } from '../shared/naming.ts';
import { findCondition } from '../shared/conditions.ts';
import { outcomeOfError, progressing, terminalOutcome, waiting, type Outcome } from '../shared/outcome.ts';
import type { PolicyReport } from '../shared/policy-report.ts';
import type { KindActuator, KindContext } from '../shared/reconciler.ts';
import { appliedAtCreate, compute } from './converge.ts';
import { Finalizer } from './finalize.ts';
import { ensureKeypair } from './keypair.ts';
import { awaitsPool, Observer, waitingForPool } from './observe.ts';
import { OwnerIndex } from './owner-index.ts';
import { takeOffer } from './readopt.ts';
import { reported } from './report.ts';
import { readSecretInputs } from './secret-inputs.ts';
import { resolveAll } from './resolve.ts';
import type { TenantCache } from './tenant-cache.ts';
import type { VirtualMachine, VirtualMachineStatus } from './types.ts';

type Ctx = KindContext<VirtualMachineStatus>;

/**
 * A VirtualMachine's cloud side. Every tenant-facing call carries the tenant's project-scoped token.
 * Creating follows the ownership rules: the attempt is recorded in status before the POST (no record,
 * no create); an ambiguous outcome is settled after the settle window by listing the owner tag, and a
 * server is created again only when none is found.
 */
export class VirtualMachineActuator implements KindActuator<VirtualMachine, VirtualMachineStatus> {
    /** Reconciled machines by UID, for the bulk observation and the sweep. */
    readonly owners = new OwnerIndex();
    /** Servers the sweep offers for re-adoption, by the UID of the machine offered to. */
    readonly offers = new Map<string, string>();
    private readonly deps: ActuatorDeps;
    private readonly tenants: TenantCache;
    private readonly observer: Observer;
    private readonly finalizer: Finalizer;
    private readonly policy: PolicyReport;

    constructor(deps: ActuatorDeps, tenants: TenantCache, policy: PolicyReport) {
        this.deps = deps;
        this.policy = policy;
        this.tenants = tenants;
        this.observer = new Observer(deps);
        this.finalizer = new Finalizer(deps);
    }

    async reconcile(vm: VirtualMachine, ctx: Ctx): Promise<Outcome> {
        const before = findCondition(ctx.status.conditions, 'Ready');
        const outcome = await this.outcome(vm, ctx);
        // The Tenant says so too: a refusal usually means Bascule's role on the project is missing.
        const refusal = outcome.reason === 'PolicyForbidden' ? outcome.message : undefined;
        this.policy.set(vm.spec.tenant, objectKey(vm), refusal);
        return reported(ctx, before, outcome);
    }

    /** The reconcile's outcome; a cloud error is classified here as the generic loop would. */
    private async outcome(vm: VirtualMachine, ctx: Ctx): Promise<Outcome> {
        try {
            return await this.converge(vm, ctx);
        } catch (err) {
            if (ctx.signal.aborted || !(err instanceof OpenStackError)) throw err;
            return outcomeOfError(err, this.deps.settings);
        }
    }

    private async converge(vm: VirtualMachine, ctx: Ctx): Promise<Outcome> {
        this.index(vm);
        ctx.status.deletionPolicy = vm.spec.deletionPolicy ?? policyOf(ctx.status);
        const gate = await this.tenantScope(vm);
        if ('state' in gate) {
            ctx.status.phase ??= 'Pending';
            return gate;
        }

        const server = await this.server(vm, ctx, gate);
        if (!('id' in server)) return server;
        return this.observer.converge(vm, ctx, gate, server);
    }

    async finalize(vm: VirtualMachine, ctx: Ctx): Promise<Outcome> {
        const projectId = (await this.tenants.get(vm.spec.tenant))?.status?.projectID;
        const outcome = await this.finalizer.finalize(vm, ctx, projectId);
        if (outcome.released === true) this.forget(objectKey(vm));
        return outcome;
    }

    forget(key: string): void {
        this.owners.forget(key);
        this.policy.forget(key);
    }

    /** The tenant's project scope, or why the machine must wait (touching nothing in the cloud). */
    private async tenantScope(vm: VirtualMachine): Promise<Scope | Outcome> {
        const retry = this.deps.settings.dependencyRetryMs;
        const tenant = await this.tenants.get(vm.spec.tenant);
        if (tenant === undefined) {
            return waiting('WaitingForDependency', `Tenant ${vm.spec.tenant} does not exist`, retry);
        }
        const projectId = tenant.status?.projectID;
        if (projectId === undefined) {
            return waiting('WaitingForDependency', `Tenant ${vm.spec.tenant} has no project yet`, retry);
        }
        const namespace = vm.metadata?.namespace ?? '';
        if (!(tenant.spec?.namespaces ?? []).includes(namespace)) {
            const message =
                `tenant ${vm.spec.tenant} does not list namespace ${namespace}; machine frozen ` +
                `(nothing changes in the cloud; deleting it still works) until ${namespace} is added ` +
                `to the Tenant's spec.namespaces`;
            return waiting('NamespaceNotAllowed', message, retry);
        }
        return { kind: 'project', projectId };
    }

    /** The server recorded, adopted, settled by tag or created; or the outcome that stops here. */
    private async server(vm: VirtualMachine, ctx: Ctx, scope: Scope): Promise<Server | Outcome> {
        const known = ctx.status.serverID ?? vm.spec.adopt?.serverID;
        if (known !== undefined) return this.read(vm, ctx, scope, known);
        const offered = this.offers.get(vm.metadata?.uid ?? '');
        if (offered !== undefined && ctx.status.createAttempt === undefined) {
            this.offers.delete(vm.metadata?.uid ?? '');
            const taken = await takeOffer(this.deps, vm, ctx, scope, offered);
            if (taken !== undefined) return taken;
        }
        if (ctx.status.createAttempt !== undefined) {
            const settled = await this.settle(vm, ctx, scope);
            if (settled !== undefined) return settled;
        }
        if (awaitsPool(vm, ctx.status)) return waitingForPool(vm, ctx.status.fault ?? 'no valid host');
        return this.create(vm, ctx, scope);
    }

    private async read(vm: VirtualMachine, ctx: Ctx, scope: Scope, id: string): Promise<Server | Outcome> {
        let server: Server;
        try {
            server = await this.deps.cloud.nova.getServer(scope, id, { signal: ctx.signal });
        } catch (err) {
            if (!isKind(err, 'NotFound')) throw err;
            if (ctx.status.serverID === undefined) return this.unknownServer(ctx, id);
            return this.observer.lost(vm, ctx);
        }
        if (server.projectId !== (scope.kind === 'project' ? scope.projectId : '')) {
            return terminalOutcome('NotInTenant', `server ${id} is not in the tenant's project`);
        }
        if (ctx.status.serverID === undefined) {
            ctx.status.origin = 'Adopted';
            ctx.status.deletionPolicy = vm.spec.deletionPolicy ?? 'Orphan';
            await this.record(ctx, server.id);
            ctx.event({ type: 'Normal', reason: 'ServerAdopted', action: 'Adopt', note: 'server adopted' });
        }
        return server;
    }

    /** An adoption ID the tenant cannot see: another project's server (seen as admin), or none. */
    private async unknownServer(ctx: Ctx, id: string): Promise<Outcome> {
        const elsewhere = await this.deps.cloud.nova.getServer(ADMIN, id, { signal: ctx.signal }).then(
            () => true,
            (err: unknown) => (isKind(err, 'NotFound') ? false : Promise.reject(err as Error)),
        );
        if (elsewhere) return terminalOutcome('NotInTenant', `server ${id} is not in the tenant's project`);
        return terminalOutcome('UnknownReference', `no server ${id} exists`);
    }

    /** After an ambiguous create: wait the settle window, then adopt what carries the owner tag. */
    private async settle(vm: VirtualMachine, ctx: Ctx, scope: Scope): Promise<Server | Outcome | undefined> {
        const startedAt = Date.parse(ctx.status.createAttempt?.startedAt ?? '');
        const remaining = startedAt + this.deps.settings.settleWindowMs - ctx.now();
        if (remaining > 0) return progressing('Progressing', 'settling an unconfirmed create', remaining);

        const tags = [ownerTag(vm.metadata?.uid ?? '')];
        const found = await this.deps.cloud.nova.listServers(scope, { tags }, { signal: ctx.signal });
        const [oldest] = found.sort((a, b) => a.created.localeCompare(b.created));
        if (oldest === undefined) return undefined;

        ctx.status.origin ??= 'Created';
        await this.record(ctx, oldest.id);
        return oldest;
    }

    private async create(vm: VirtualMachine, ctx: Ctx, scope: Scope): Promise<Outcome> {
        const resolved = await resolveAll(this.deps.cloud, scope, vm, ctx.signal);
        if ('state' in resolved) return resolved;
        Object.assign(ctx.status, {
            flavorID: resolved.flavorId,
            imageID: resolved.imageId,
            networkIDs: resolved.networkIds,
        });

        const inputs = await readSecretInputs(this.deps, vm);
        if ('state' in inputs) return inputs;
        const keyName = await ensureKeypair(this.deps, vm, ctx, inputs.publicKey);

        // The attempt is durable before the POST: if this write fails, nothing is created.
        const name = serverName(vm.metadata?.namespace ?? '', vm.metadata?.name ?? '');
        ctx.status.createAttempt = { startedAt: new Date(ctx.now()).toISOString(), serverName: name };
        ctx.status.phase = 'Pending';
        appliedAtCreate(vm, ctx.status);
        await ctx.persist();

        try {
            const id = await ctx.mutate('spec', compute('POST', '/servers', undefined), () =>
                this.post(vm, ctx, scope, name, { ...resolved, keyName, userData: inputs.userData }),
            );
            ctx.status.origin = 'Created';
            // Recorded by the reconcile's closing status write, which follows at once: a write of its
            // own would add one PUT per machine and no safety (either failing leaves the attempt).
            ctx.status.serverID = id;
            delete ctx.status.createAttempt;
            ctx.event({ type: 'Normal', reason: 'ServerCreated', action: 'Create', note: 'server created' });
            return progressing('Progressing', 'server building', this.deps.settings.buildCheckMs);
        } catch (err) {
            return this.createFailed(ctx, err);
        }
    }

    private post(
        vm: VirtualMachine,
        ctx: Ctx,
        scope: Scope,
        name: string,
        r: Resolved & { keyName: string | undefined; userData: string | undefined },
    ) {
        const namespace = vm.metadata?.namespace ?? '';
        return this.deps.cloud.nova.createServer(
            scope,
            {
                name,
                flavorId: r.flavorId,
                imageId: r.imageId,
                networks: r.networkIds.length === 0 ? 'none' : r.networkIds,
                tags: [
                    installTag(this.deps.installationId),
                    ownerTag(vm.metadata?.uid ?? ''),
                    ...(vm.spec.tags ?? []),
                ],
                metadata: {
                    ...vm.spec.metadata,
                    [METADATA_NAMESPACE]: namespace,
                    [METADATA_NAME]: vm.metadata?.name ?? '',
                },
                availabilityZone: vm.spec.availabilityZone,
                keyName: r.keyName,
                userData: r.userData,
            },
            { signal: ctx.signal },
        );
    }

    private createFailed(ctx: Ctx, err: unknown): Outcome {
        // Never retried blindly: the attempt stays recorded and is settled by tag.
        if (err instanceof OpenStackError && err.ambiguous) {
            const note = 'create outcome unknown; settling by tag';
            ctx.event({ type: 'Warning', reason: 'CreateUnconfirmed', action: 'Create', note });
            return progressing('Progressing', note, this.deps.settings.settleWindowMs);
        }
        // Any other answer is definite: no server was made.
        delete ctx.status.createAttempt;
        if (isKind(err, 'QuotaExceeded')) {
            const message = err instanceof Error ? err.message : 'quota exceeded';
            return waiting('QuotaExceeded', message, this.deps.settings.quotaRetryMs);
        }
        throw err;
    }

    /** Writes the server ID the moment it is known. */
    private async record(ctx: Ctx, id: string): Promise<void> {
        ctx.status.serverID = id;
        delete ctx.status.createAttempt;
        await ctx.persist();
    }

    private index(vm: VirtualMachine): void {
        const uid = vm.metadata?.uid;
        if (uid !== undefined) this.owners.set(uid, objectKey(vm));
    }
}

type Resolved = Exclude<Awaited<ReturnType<typeof resolveAll>>, Outcome>;

function policyOf(status: VirtualMachineStatus): 'Delete' | 'Orphan' {
    return status.origin === 'Adopted' ? 'Orphan' : 'Delete';
}
