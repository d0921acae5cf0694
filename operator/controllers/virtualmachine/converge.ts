import { isKind } from '../../openstack/errors.ts';
import { ADMIN, type Scope } from '../../openstack/identity.ts';
import type { SimpleAction } from '../../openstack/nova.ts';
import type { Server } from '../../openstack/nova-views.ts';
import type { AuditTrigger } from '../shared/audit.ts';
import { findCondition } from '../shared/conditions.ts';
import type { ActuatorDeps } from '../shared/deps.ts';
import {
    METADATA_NAME,
    METADATA_NAMESPACE,
    RESERVED_PREFIX,
    installTag,
    ownerFromTag,
    ownerTag,
} from '../shared/naming.ts';
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

    /**
     * Restores Bascule's own metadata, adds the spec's and removes keys Bascule applied that the spec
     * no longer names; keys someone else added are left alone.
     */
    async metadata(vm: VirtualMachine, ctx: Ctx, scope: Scope, server: Server) {
        const desired = {
            ...vm.spec.metadata,
            [METADATA_NAMESPACE]: vm.metadata?.namespace ?? '',
            [METADATA_NAME]: vm.metadata?.name ?? '',
        };
        const missing = Object.entries(desired).filter(([k, v]) => server.metadata[k] !== v);
        const wanted = userOwned(Object.keys(vm.spec.metadata ?? {}));
        const present = Object.keys(server.metadata);
        const dropped = withdrawn(ctx.status.appliedMetadataKeys, wanted, present);
        if (missing.length + dropped.length === 0) {
            setApplied(ctx.status, 'appliedMetadataKeys', wanted);
            return false;
        }

        await unlockOwn(this.deps, ctx, server, 'spec');
        if (missing.length > 0) {
            await noteApplied(ctx, 'appliedMetadataKeys', wanted, present);
            await ctx.mutate('spec', compute('POST', '/servers/{id}/metadata', server.id), () =>
                this.deps.cloud.nova.updateMetadata(scope, server.id, Object.fromEntries(missing), {
                    signal: ctx.signal,
                }),
            );
        }
        for (const key of dropped) {
            const call = compute('DELETE', '/servers/{id}/metadata/{key}', server.id);
            await goneIsDone(
                ctx.mutate('spec', call, () =>
                    this.deps.cloud.nova.deleteMetadataItem(scope, server.id, key, { signal: ctx.signal }),
                ),
            );
        }
        setApplied(ctx.status, 'appliedMetadataKeys', wanted);
        if (dropped.length > 0) this.removedEvent(ctx, 'metadata', dropped);
        return true;
    }

    /**
     * Adds Bascule's tags and the spec's, removes an earlier owner's tag and removes tags Bascule
     * applied that the spec no longer names; tags someone else added are left alone.
     */
    async tags(vm: VirtualMachine, ctx: Ctx, scope: Scope, server: Server) {
        const own = [installTag(this.deps.installationId), ownerTag(vm.metadata?.uid ?? '')];
        const wanted = userOwned(vm.spec.tags ?? []);
        const missing = [...own, ...wanted].filter((t) => !server.tags.includes(t));
        // An earlier owner's tag (a re-adoption cut short) would make the server another's extra.
        const stale = server.tags.filter((t) => ownerFromTag(t) !== undefined && !own.includes(t));
        const dropped = withdrawn(ctx.status.appliedTags, wanted, server.tags);
        if (missing.length + stale.length + dropped.length === 0) {
            setApplied(ctx.status, 'appliedTags', wanted);
            return false;
        }

        await unlockOwn(this.deps, ctx, server, 'spec');
        await noteApplied(ctx, 'appliedTags', wanted, server.tags);
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
        for (const tag of dropped) {
            const call = compute('DELETE', '/servers/{id}/tags/{tag}', server.id);
            await goneIsDone(
                ctx.mutate('spec', call, () =>
                    this.deps.cloud.nova.removeTag(scope, server.id, tag, { signal: ctx.signal }),
                ),
            );
        }
        setApplied(ctx.status, 'appliedTags', wanted);
        if (dropped.length > 0) this.removedEvent(ctx, 'tags', dropped);
        return true;
    }

    private removedEvent(ctx: Ctx, aspect: 'tags' | 'metadata', removed: string[]) {
        const note = `removed ${aspect} no longer in the spec: ${removed.join(', ')}`;
        ctx.event({ type: 'Normal', reason: 'ServerUpdated', action: 'Update', note });
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

type AppliedField = 'appliedTags' | 'appliedMetadataKeys';

/** The names that are the user's: never one with Bascule's reserved prefix, whatever its case. */
function userOwned(names: string[]): string[] {
    return names.filter((n) => !n.toLowerCase().startsWith(RESERVED_PREFIX));
}

/** What Bascule applied, the spec no longer wants and the server still has: what to remove. */
function withdrawn(applied: string[] | undefined, wanted: string[], present: string[]): string[] {
    return userOwned(applied ?? []).filter((n) => !wanted.includes(n) && present.includes(n));
}

/** The spec's tags and metadata keys as a create applies them, recorded before the create is sent. */
export function appliedAtCreate(vm: VirtualMachine, status: VirtualMachineStatus) {
    setApplied(status, 'appliedTags', userOwned(vm.spec.tags ?? []));
    setApplied(status, 'appliedMetadataKeys', userOwned(Object.keys(vm.spec.metadata ?? {})));
}

/** Records the applied set; an empty one is left out, so machines without tags or metadata never carry it. */
function setApplied(status: VirtualMachineStatus, field: AppliedField, names: string[]) {
    if (names.length > 0) status[field] = [...names].sort();
    else if (field === 'appliedTags') delete status.appliedTags;
    else delete status.appliedMetadataKeys;
}

/**
 * Widens the applied set to what is about to be applied, plus what was applied and is still on the
 * server (not yet removed). It is written before the call when it grows, so a crash after the call
 * cannot leave a tag or key on the server that Bascule would not know to remove.
 */
async function noteApplied(ctx: Ctx, field: AppliedField, wanted: string[], present: string[]) {
    const before = ctx.status[field] ?? [];
    const kept = before.filter((n) => present.includes(n));
    setApplied(ctx.status, field, [...new Set([...kept, ...wanted])]);
    if (wanted.some((n) => !before.includes(n) && !present.includes(n))) await ctx.persist();
}

/** A removal that finds nothing to remove has done its job (its audit record still says NotFound). */
async function goneIsDone(removal: Promise<void>): Promise<void> {
    try {
        await removal;
    } catch (err) {
        if (!isKind(err, 'NotFound')) throw err;
    }
}

export function compute(method: string, pathTemplate: string, targetId: string | undefined) {
    return { service: 'compute', method, pathTemplate, targetId };
}
