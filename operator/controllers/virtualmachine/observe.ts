import type { Scope } from '../../openstack/identity.ts';
import { controllerOf } from '../../runtime/kube-object.ts';
import type { Server } from '../../openstack/nova-views.ts';
import type { ActuatorDeps } from '../shared/deps.ts';
import { progressing, ready, terminalOutcome, waiting, type Outcome } from '../shared/outcome.ts';
import type { KindContext } from '../shared/reconciler.ts';
import { compute, Converger } from './converge.ts';
import { isParked, lockHolder, unlockOwn } from './locks.ts';
import { park } from './park.ts';
import { resolveFlavor } from './resolve.ts';
import { differences, isResizing, observe, powerMatches } from './status.ts';
import type { VirtualMachine, VirtualMachineStatus } from './types.ts';

type Ctx = KindContext<VirtualMachineStatus>;

/** Compares the observed server with the spec and acts on one aspect at a time. */
export class Observer {
    private readonly deps: ActuatorDeps;
    private readonly converger: Converger;

    constructor(deps: ActuatorDeps) {
        this.deps = deps;
        this.converger = new Converger(deps);
    }

    async converge(vm: VirtualMachine, ctx: Ctx, scope: Scope, observed: Server): Promise<Outcome> {
        // This reconcile's view: locks and unlocks update it as they succeed.
        const server = { ...observed };
        observe(ctx.status, server, vm.spec.powerState ?? 'Running');
        ctx.status.parked = isParked(server, this.deps.installationId);
        const wait = this.deps.settings.buildCheckMs;
        // Records from a down cell mean "do nothing"; a task in progress is left to settle.
        if (server.status === 'UNKNOWN') return progressing('Progressing', 'server cell unreachable', wait);
        if (server.status === 'ERROR') return this.failed(vm, ctx, scope, server);
        if (server.taskState !== undefined || server.status === 'BUILD') {
            const reason = isResizing(server) ? 'Resizing' : 'Progressing';
            return progressing(reason, `server ${server.status.toLowerCase()}`, wait);
        }

        const flavor = await this.desiredFlavor(vm, ctx, scope, server);
        if ('state' in flavor) return flavor;
        if (ctx.status.origin === 'Adopted' && vm.spec.adopt?.converge !== true) {
            return this.reportOnly(vm, ctx, server, flavor.name);
        }
        delete ctx.status.differences;
        if (lockHolder(server, this.deps.installationId) === 'other') {
            return waiting('LockedByOther', 'server locked by someone else; not touched', wait);
        }
        if (vm.spec.parked === true) return park(this.deps, this.converger, vm, ctx, scope, server);

        // Unparked (or a parking lock left behind): lifted before any tenant-token action.
        if (await unlockOwn(this.deps, ctx, server, 'arbiter')) ctx.status.parked = false;
        return this.aspects(vm, ctx, scope, server, flavor.name);
    }

    /**
     * The flavor the spec asks for. A server already of the flavor the spec names, with the spec
     * unchanged since its ID was resolved, needs no lookup; otherwise (a new spec, a resize, an
     * adoption, a flavor given by ID) it is resolved from the project's cached flavor list.
     */
    private async desiredFlavor(vm: VirtualMachine, ctx: Ctx, scope: Scope, server: Server) {
        const { name } = vm.spec.flavor;
        const id = ctx.status.flavorID;
        const unchanged = ctx.status.observedGeneration === vm.metadata?.generation;
        if (unchanged && id !== undefined && name !== undefined && name === server.flavor.originalName) {
            return { id, name };
        }
        const flavor = await resolveFlavor(this.deps.cloud, scope, vm.spec.flavor, ctx.signal);
        if (!('state' in flavor)) ctx.status.flavorID = flavor.id;
        return flavor;
    }

    /** The server is gone (404 with the tenant's token): report, or clear it to be recreated. */
    lost(vm: VirtualMachine, ctx: Ctx): Outcome {
        // A pool machine deleted its no-host server and stopped before saying so: its pool replaces it.
        const fault = ctx.status.fault ?? '';
        if (poolOf(vm) !== undefined && /no valid host/i.test(fault)) {
            delete ctx.status.serverID;
            ctx.status.phase = 'Pending';
            return waitingForPool(vm, fault);
        }
        ctx.event({ type: 'Warning', reason: 'ServerLost', action: 'Observe', note: 'server not found' });
        if (vm.spec.recovery?.onLost !== 'Recreate') {
            ctx.status.phase = 'Lost';
            return terminalOutcome('ServerLost', `server ${ctx.status.serverID ?? ''} no longer exists`);
        }
        delete ctx.status.serverID;
        ctx.status.phase = 'Pending';
        return progressing('ServerLost', 'server lost; recreating', this.deps.settings.buildCheckMs);
    }

    private async aspects(vm: VirtualMachine, ctx: Ctx, scope: Scope, server: Server, flavor: string) {
        const wait = this.deps.settings.buildCheckMs;
        const power = vm.spec.powerState ?? 'Running';
        const c = this.converger;
        if (await c.flavor(vm, ctx, scope, server, flavor)) return progressing('Resizing', 'resizing', wait);
        if (await c.power(vm, ctx, scope, server, power)) return progressing('Progressing', 'power', wait);
        const tagged = await c.tags(vm, ctx, scope, server);
        const described = await c.metadata(vm, ctx, scope, server);
        if (tagged || described) return progressing('Progressing', 'metadata and tags updated', wait);

        if (!powerMatches(server, power)) return progressing('Progressing', `waiting for ${power}`, wait);
        return ready(`server ${server.status}`);
    }

    private reportOnly(vm: VirtualMachine, ctx: Ctx, server: Server, flavor: string): Outcome {
        const found = differences(vm, server, flavor);
        ctx.status.differences = found;
        if (found.length === 0) return ready('adopted server matches the spec');
        const message = `adopted; set spec.adopt.converge to apply: ${found.join('; ')}`;
        return waiting('AdoptionPending', message, this.deps.settings.quotaCheckMs);
    }

    /**
     * ERROR: the fault is in status; recreate by policy, else report. A build with no host is
     * NoCapacity; a pool's machine that found none has its server deleted whatever the policy, and
     * waits for its pool to remove it and ask the capacity gate again (ARBITER.md's capacity rule).
     */
    private async failed(vm: VirtualMachine, ctx: Ctx, scope: Scope, server: Server): Promise<Outcome> {
        const noHost = /no valid host/i.test(server.fault?.message ?? '');
        const reason = noHost ? 'NoCapacity' : 'ServerError';
        const message = server.fault?.message ?? 'server in ERROR';
        const created = ctx.status.origin !== 'Adopted';
        if (noHost && created && poolOf(vm) !== undefined) {
            // The fault first: a leader that takes over after the delete finds it, not a lost server.
            await ctx.persist();
            await this.deleteFailed(ctx, scope, server);
            return waitingForPool(vm, message);
        }
        if (vm.spec.recovery?.onError !== 'Recreate' || !created) {
            return terminalOutcome(reason, message);
        }

        await this.deleteFailed(ctx, scope, server);
        ctx.event({ type: 'Warning', reason: 'ServerRecreating', action: 'Delete', note: reason });
        // NOTE: the recreate waits one quota retry interval, a fixed backoff rather than a growing one.
        return progressing(reason, `${message}; recreating`, this.deps.settings.quotaRetryMs);
    }

    /** Deletes a server in ERROR (its fault stays in status) and forgets it: the machine is Pending. */
    private async deleteFailed(ctx: Ctx, scope: Scope, server: Server): Promise<void> {
        await unlockOwn(this.deps, ctx, server, 'recovery');
        await ctx.mutate('recovery', compute('DELETE', '/servers/{id}', server.id), () =>
            this.deps.cloud.nova.deleteServer(scope, server.id, { signal: ctx.signal }),
        );
        delete ctx.status.serverID;
        ctx.status.phase = 'Pending';
    }
}

/** The ElasticPool that controls `vm`, if any. */
export function poolOf(vm: VirtualMachine): string | undefined {
    const owner = controllerOf(vm);
    return owner?.kind === 'ElasticPool' ? owner.name : undefined;
}

/**
 * A pool's machine whose build found no host, its server deleted: it creates nothing itself (its
 * pool removes it, and a replacement is created only when the capacity gate admits one).
 */
export function waitingForPool(vm: VirtualMachine, fault: string): Outcome {
    const pool = poolOf(vm) ?? '';
    const message = `${fault}; server deleted, pool ${pool} replaces this machine when capacity allows`;
    // The pool reacts to this status at once; the slow retry only matters while the pool is paused.
    return waiting('NoCapacity', message, 5 * 60_000);
}

/** Whether `vm` is a pool's machine already waiting for its pool after a build with no host. */
export function awaitsPool(vm: VirtualMachine, status: VirtualMachineStatus): boolean {
    if (poolOf(vm) === undefined || status.serverID !== undefined) return false;
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    return ready?.status === 'False' && ready.reason === 'NoCapacity';
}
