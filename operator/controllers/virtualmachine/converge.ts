import { ADMIN, type Scope } from '../../openstack/identity.ts';
import type { SimpleAction } from '../../openstack/nova.ts';
import type { Server } from '../../openstack/nova-views.ts';
import type { AuditTrigger } from '../shared/audit.ts';
import { findCondition } from '../shared/conditions.ts';
import type { ActuatorDeps } from '../shared/deps.ts';
import { METADATA_NAME, METADATA_NAMESPACE, installTag, ownerFromTag, ownerTag } from '../shared/naming.ts';
import type { KindContext } from '../shared/reconciler.ts';
import { unlockOwn } from './locks.ts';
import type { PowerState, VirtualMachine, VirtualMachineStatus } from './types.ts';

type Ctx = KindContext<VirtualMachineStatus>;

/**
 * Per-aspect updates of an existing, settled server. Each returns true when it acted (the caller
 * then waits for the server to settle before the next aspect). Every tenant-token mutation first
 * lifts this installation's parking lock, as admin (ARBITER.md).
 */
export class Converger {
    private readonly deps: ActuatorDeps;
    /**
     * Power drift seen on a server, by its ID: since when, at which generation of the machine.
     * NOTE: kept in memory, so a restart starts the grace again (erring on the side of waiting), and an
     * entry of a server deleted while drifting stays until the process ends; a field in status would
     * lift both, at the price of a status write when drift is first seen.
     */
    private readonly powerDrift = new Map<string, { since: number; generation: number | undefined }>();

    constructor(deps: ActuatorDeps) {
        this.deps = deps;
    }

    /** Resize to the desired flavor, or confirm a resize awaiting it. */
    async flavor(vm: VirtualMachine, ctx: Ctx, scope: Scope, server: Server, desired: string) {
        if (await this.confirmResize(ctx, scope, server)) return true;
        const id = ctx.status.flavorID;
        if (server.flavor.originalName === desired || id === undefined) return false;
        if (server.status !== 'ACTIVE' && server.status !== 'SHUTOFF') return false;

        await unlockOwn(this.deps, ctx, server, 'spec');
        await ctx.mutate('spec', compute('POST', '/servers/{id}/action#resize', server.id), () =>
            this.deps.cloud.nova.resize(scope, server.id, id, { signal: ctx.signal }),
        );
        ctx.event({
            type: 'Normal',
            reason: 'ServerResizing',
            action: 'Resize',
            note: `resize to ${desired}`,
        });
        return true;
    }

    /** Confirms a resize awaiting it; true when it did. */
    async confirmResize(ctx: Ctx, scope: Scope, server: Server) {
        if (server.status !== 'VERIFY_RESIZE') return false;
        await this.action(ctx, scope, server, 'confirmResize');
        return true;
    }

    /**
     * Start, stop, shelve, offload or unshelve towards `desired`. A spec change acts at once; drift (the
     * power state changed behind Bascule's back on a machine Ready at this generation) is restored only
     * once it has held for the power grace period, and false is returned until then.
     */
    async power(vm: VirtualMachine, ctx: Ctx, scope: Scope, server: Server, desired: PowerState) {
        const step = powerStep(server.status, desired);
        if (step === undefined) {
            this.powerDrift.delete(server.id);
            return false;
        }
        const drift = this.isPowerDrift(vm, ctx, server);
        if (drift && !this.graceOver(vm, ctx, server)) return false;

        this.powerDrift.delete(server.id);
        // Offloading another project's server needs the admin scope.
        const target = step === 'shelveOffload' ? ADMIN : scope;
        await this.action(ctx, target, server, step, drift ? 'drift' : 'spec');
        return true;
    }

    /** Drift already being waited out at this generation, or a machine that was Ready at it. */
    private isPowerDrift(vm: VirtualMachine, ctx: Ctx, server: Server): boolean {
        const generation = vm.metadata?.generation;
        const seen = this.powerDrift.get(server.id);
        if (seen !== undefined && seen.generation === generation) return true;
        const ready = findCondition(ctx.status.conditions, 'Ready');
        return ready?.status === 'True' && ready.observedGeneration === generation;
    }

    /** Whether the drift on `server` has held for the grace period; its start is noted when first seen. */
    private graceOver(vm: VirtualMachine, ctx: Ctx, server: Server): boolean {
        const generation = vm.metadata?.generation;
        const seen = this.powerDrift.get(server.id);
        const since = seen !== undefined && seen.generation === generation ? seen.since : ctx.now();
        this.powerDrift.set(server.id, { since, generation });
        return ctx.now() - since >= this.deps.settings.powerGraceMs;
    }

    /** Restores Bascule's own metadata and adds the spec's; keys not Bascule's are left alone. */
    async metadata(vm: VirtualMachine, ctx: Ctx, scope: Scope, server: Server) {
        const desired = {
            ...vm.spec.metadata,
            [METADATA_NAMESPACE]: vm.metadata?.namespace ?? '',
            [METADATA_NAME]: vm.metadata?.name ?? '',
        };
        const missing = Object.entries(desired).filter(([k, v]) => server.metadata[k] !== v);
        if (missing.length === 0) return false;

        await unlockOwn(this.deps, ctx, server, 'spec');
        await ctx.mutate('spec', compute('POST', '/servers/{id}/metadata', server.id), () =>
            this.deps.cloud.nova.updateMetadata(scope, server.id, Object.fromEntries(missing), {
                signal: ctx.signal,
            }),
        );
        return true;
    }

    /**
     * Adds Bascule's tags and the spec's.
     * NOTE: a tag removed from the spec stays on the server: removing it safely needs the last
     * applied tag set in status, which the API does not carry yet.
     */
    async tags(vm: VirtualMachine, ctx: Ctx, scope: Scope, server: Server) {
        const own = [installTag(this.deps.installationId), ownerTag(vm.metadata?.uid ?? '')];
        const missing = [...own, ...(vm.spec.tags ?? [])].filter((t) => !server.tags.includes(t));
        // An earlier owner's tag (a re-adoption cut short) would make the server another's extra.
        const stale = server.tags.filter((t) => ownerFromTag(t) !== undefined && !own.includes(t));
        if (missing.length + stale.length > 0) await unlockOwn(this.deps, ctx, server, 'spec');
        for (const tag of missing) {
            await ctx.mutate('spec', compute('PUT', '/servers/{id}/tags/{tag}', server.id), () =>
                this.deps.cloud.nova.addTag(scope, server.id, tag, { signal: ctx.signal }),
            );
        }
        for (const tag of stale) {
            await ctx.mutate('drift', compute('DELETE', '/servers/{id}/tags/{tag}', server.id), () =>
                this.deps.cloud.nova.removeTag(scope, server.id, tag, { signal: ctx.signal }),
            );
        }
        return missing.length + stale.length > 0;
    }

    /** One server action; with the tenant's token, after lifting Bascule's own lock. */
    async action(ctx: Ctx, scope: Scope, server: Server, step: SimpleAction, trigger: AuditTrigger = 'spec') {
        if (scope.kind === 'project') await unlockOwn(this.deps, ctx, server, trigger);
        await ctx.mutate(trigger, compute('POST', `/servers/{id}/action#${step}`, server.id), () =>
            this.deps.cloud.nova.action(scope, server.id, step, { signal: ctx.signal }),
        );
        this.deps.metrics.serverMutations.inc({ kind: 'VirtualMachine', operation: step });
        const note = trigger === 'arbiter' ? `server ${step} (parking)` : `server ${step}`;
        ctx.event({ type: 'Normal', reason: 'ServerAction', action: step, note });
    }
}

/** The next power action from `status` towards `desired`, if any. */
export function powerStep(status: string, desired: PowerState): SimpleAction | undefined {
    const shelved = status === 'SHELVED' || status === 'SHELVED_OFFLOADED';
    if (desired === 'Running') {
        if (status === 'SHUTOFF') return 'os-start';
        return shelved ? 'unshelve' : undefined;
    }
    if (desired === 'Stopped') {
        if (status === 'ACTIVE') return 'os-stop';
        return shelved ? 'unshelve' : undefined;
    }
    if (status === 'ACTIVE' || status === 'SHUTOFF') return 'shelve';
    return status === 'SHELVED' ? 'shelveOffload' : undefined;
}

export function compute(method: string, pathTemplate: string, targetId: string | undefined) {
    return { service: 'compute', method, pathTemplate, targetId };
}
