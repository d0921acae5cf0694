import { objectKey } from '../../runtime/kube-object.ts';
import type { ActuatorDeps } from '../shared/deps.ts';
import type { DesiredCondition, Reason } from '../shared/conditions.ts';
import { REASONS } from '../shared/conditions.ts';
import type { ObjectClient } from '../shared/kube-objects.ts';
import { progressing, ready, released, waiting, type Outcome } from '../shared/outcome.ts';
import type { KindActuator, KindContext } from '../shared/reconciler.ts';
import type { ChildClient } from './child-client.ts';
import { forEachBounded } from './child-client.ts';
import {
    childName,
    childPatch,
    childReady,
    controlledBy,
    foundNoHost,
    newChild,
    templateHash,
    type Child,
} from './children.ts';
import { effectiveDesired, type EffectiveDesired } from './desired.ts';
import type { CapacityGate, GrowthAdmission } from './gate.ts';
import { planPool, type PoolPlan } from './plan.ts';
import { capacityCondition, clampedCondition, readiness, type Counts } from './status.ts';
import { POOL_LABEL, type ElasticPool, type ElasticPoolStatus } from './types.ts';

type Ctx = KindContext<ElasticPoolStatus>;

/** Child API calls in flight at once: 1,000 creates take seconds, and the API server is not flooded. */
export const CHILD_CONCURRENCY = 16;
/** How soon a pool the growth gate held back asks again. */
export const GATE_RETRY_MS = 2_000;
/** A requeue never waits longer than this (a far window opening is looked at again in time). */
const MAX_REQUEUE_MS = 60 * 60_000;
/** Attempts at a free child name before giving up on one create. */
const NAME_ATTEMPTS = 5;
/** The longest a pool waits after builds that found no host, however often they did. */
const MAX_NO_HOST_HOLD_MS = 10 * 60_000;

/** A pool's growth held after builds that found no host: until when, and how long the last hold was. */
interface Hold {
    untilMs: number;
    delayMs: number;
}

/** What one reconcile did to the children, for status, events and the outcome. */
interface Effects {
    created: number;
    removed: number;
    shelved: number;
    unshelved: number;
    patched: number;
    gate?: GrowthAdmission & { wanted: number; retryMs?: number };
}

/**
 * An ElasticPool's machines: children VirtualMachines made from the template, as many running as
 * min(granted, desired), with rule 6's victims released by the pool's release action, parked machines
 * unshelved before new ones are created and growth only as far as the capacity gate admits. The
 * children do the cloud work; the pool writes only Kubernetes objects.
 */
export class ElasticPoolActuator implements KindActuator<ElasticPool, ElasticPoolStatus> {
    private readonly deps: ActuatorDeps;
    private readonly children: ChildClient;
    private readonly tenants: ObjectClient;
    private readonly gate: CapacityGate;
    /** Pools (by key) holding their growth after builds that found no host; the next leader starts afresh. */
    private readonly holds = new Map<string, Hold>();

    constructor(deps: ActuatorDeps, children: ChildClient, tenants: ObjectClient, gate: CapacityGate) {
        this.deps = deps;
        this.children = children;
        this.tenants = tenants;
        this.gate = gate;
    }

    async reconcile(pool: ElasticPool, ctx: Ctx): Promise<Outcome> {
        const desired = effectiveDesired(pool.spec, ctx.now());
        await this.describe(pool, ctx, desired);
        const children = await this.owned(pool);
        const live = children.filter((c) => c.metadata?.deletionTimestamp === undefined);

        const granted = ctx.status.granted;
        const extra = [clampedCondition(desired), capacityCondition(granted, desired.desired)];
        if (granted === undefined) {
            setCounts(ctx.status, countsOf(live));
            const message = 'waiting for capacity arbitration to grant replicas';
            return { ...waiting('WaitingForGrant', message, this.deps.settings.dependencyRetryMs), extra };
        }

        // ARBITER.md: a machine whose build found no host is deleted, backed off and arbitrated again.
        const noHost = live.filter(foundNoHost);
        if (noHost.length > 0) await this.dropNoHost(pool, ctx, noHost);
        const kept = noHost.length === 0 ? live : live.filter((c) => !noHost.includes(c));

        const target = Math.min(granted, desired.desired);
        const hash = templateHash(pool.spec.template.spec);
        const plan = planPool(pool, kept, hash, target, desired.desired);
        const effects = await this.act(pool, ctx, kept, plan, hash);
        setCounts(ctx.status, projected(kept, plan, effects));
        this.announce(ctx, effects, plan);
        if (noHost.length === 0 && ctx.status.readyReplicas === target) this.holds.delete(objectKey(pool));

        return this.verdict(ctx, desired, target, plan, effects, children.length - live.length, extra);
    }

    forget(key: string): void {
        this.holds.delete(key);
    }

    async finalize(pool: ElasticPool, ctx: Ctx): Promise<Outcome> {
        const children = await this.owned(pool);
        if (children.length === 0) {
            this.holds.delete(objectKey(pool));
            return released('every machine is deleted');
        }

        const namespace = pool.metadata?.namespace ?? '';
        const pending = children.filter((c) => c.metadata?.deletionTimestamp === undefined);
        await forEachBounded(pending, CHILD_CONCURRENCY, (c) =>
            this.children.remove(namespace, c.metadata?.name ?? ''),
        );
        if (pending.length > 0) ctx.event(note('Normal', 'Deleted', 'Delete', pending.length, 'Deleted'));
        const message = `waiting for ${String(children.length)} machines to be deleted`;
        return progressing('Deleting', message, this.deps.settings.deletionRetryMs);
    }

    /** Status fields that follow from the spec and the Tenant alone. */
    private async describe(pool: ElasticPool, ctx: Ctx, desired: EffectiveDesired): Promise<void> {
        const status = ctx.status;
        status.desiredReplicas = desired.desired;
        status.desiredReason = desired.reason;
        status.selector = `${POOL_LABEL}=${pool.metadata?.name ?? ''}`;
        status.priority = Math.min(pool.spec.priority ?? 0, await this.maxPriority(pool.spec.tenant));
        if (desired.nextWindow === undefined) delete status.nextWindow;
        else status.nextWindow = desired.nextWindow;
    }

    private async maxPriority(tenant: string): Promise<number> {
        const found = (await this.tenants.get(tenant)) as { spec?: { maxPriority?: number } } | undefined;
        return found?.spec?.maxPriority ?? 0;
    }

    /**
     * The pool's children, by label and controller reference (a recreated pool disowns old ones).
     * NOTE: a live list per reconcile (about 3 MB for 1,000 children) rather than the VirtualMachine
     * informer's cache: a cache a few creates behind would have the pool create them again. Reading
     * the cache with ReplicaSet-style expectations (creates and deletes not yet seen) would lift it.
     */
    private async owned(pool: ElasticPool): Promise<Child[]> {
        const { namespace = '', name = '' } = pool.metadata ?? {};
        const labelled = await this.children.list(namespace, name);
        return labelled.filter((child) => controlledBy(child, pool));
    }

    /** Carries out the plan: releases first, then in-place patches, then growth as far as admitted. */
    private async act(pool: ElasticPool, ctx: Ctx, live: Child[], plan: PoolPlan, hash: string) {
        const namespace = pool.metadata?.namespace ?? '';
        const effects: Effects = { created: 0, removed: 0, shelved: 0, unshelved: 0, patched: 0 };

        await forEachBounded(plan.remove, CHILD_CONCURRENCY, (name) => this.children.remove(namespace, name));
        effects.removed = plan.remove.length;

        const parkedAfter = this.parkedAfter(live, plan);
        const removed = new Set(plan.remove);
        const unshelving = new Set(plan.unshelve);
        const patches = live
            .filter((c) => !removed.has(c.metadata?.name ?? '') && !unshelving.has(c.metadata?.name ?? ''))
            .map((c) => ({ child: c, ops: childPatch(c, pool, parkedAfter.has(c.metadata?.name ?? '')) }))
            .filter((p) => p.ops.length > 0);
        await forEachBounded(patches, CHILD_CONCURRENCY, ({ child, ops }) =>
            this.children.patch(namespace, child.metadata?.name ?? '', ops),
        );
        effects.patched = patches.length;
        effects.shelved = plan.shelve.length;

        const wanted = plan.unshelve.length + plan.create;
        if (wanted > 0) await this.grow(pool, ctx, live, plan, hash, effects);
        return effects;
    }

    /** Names of children parked once the plan is done (before growth). */
    private parkedAfter(live: readonly Child[], plan: PoolPlan): Set<string> {
        const parked = new Set(live.filter((c) => c.spec.parked === true).map((c) => c.metadata?.name ?? ''));
        for (const name of plan.shelve) parked.add(name);
        return parked;
    }

    /**
     * Removes machines whose build found no host and holds the pool's growth: for the backoff after
     * the first such failure, twice as long after each failure that follows a hold.
     */
    private async dropNoHost(pool: ElasticPool, ctx: Ctx, failed: readonly Child[]): Promise<void> {
        const namespace = pool.metadata?.namespace ?? '';
        await forEachBounded(failed, CHILD_CONCURRENCY, (c) =>
            this.children.remove(namespace, c.metadata?.name ?? ''),
        );

        const key = objectKey(pool);
        const now = ctx.now();
        const previous = this.holds.get(key);
        let hold = previous;
        if (previous === undefined || previous.untilMs <= now) {
            const base = this.deps.settings.noHostBackoffMs;
            // Doubled after a hold that did not help; a failure long after the last starts afresh.
            const recent = previous !== undefined && now < previous.untilMs + previous.delayMs;
            const delayMs = recent ? Math.min(previous.delayMs * 2, MAX_NO_HOST_HOLD_MS) : base;
            hold = { untilMs: now + delayMs, delayMs };
            this.holds.set(key, hold);
        }
        const seconds = Math.ceil((hold?.delayMs ?? 0) / 1000);
        const noun = failed.length === 1 ? 'machine' : 'machines';
        const message =
            `Deleted ${String(failed.length)} ${noun} whose build found no host; ` +
            `growth waits ${String(seconds)} s, then asks the capacity gate again`;
        ctx.event({ type: 'Warning', reason: 'NoCapacity', action: 'Delete', note: message });
    }

    /** Asks the gate, then unshelves and creates what it admits (unshelves first). */
    private async grow(
        pool: ElasticPool,
        ctx: Ctx,
        live: Child[],
        plan: PoolPlan,
        hash: string,
        effects: Effects,
    ) {
        const wanted = plan.unshelve.length + plan.create;
        const hold = this.holds.get(objectKey(pool));
        const holdMs = hold === undefined ? 0 : hold.untilMs - ctx.now();
        if (holdMs > 0) {
            const message = `builds found no host; growth waits ${String(Math.ceil(holdMs / 1000))} s`;
            effects.gate = { admitted: 0, wanted, reason: 'NoCapacity', message, retryMs: holdMs };
            return;
        }
        const flavor = pool.spec.template.spec.flavor;
        const request = {
            tenant: pool.spec.tenant,
            pool: `${pool.metadata?.namespace ?? ''}/${pool.metadata?.name ?? ''}`,
            flavor: flavor.name ?? flavor.id ?? '',
            wanted,
        };
        const admission = await this.gate.admit(request, ctx.signal);
        const admitted = Math.max(0, Math.min(wanted, Math.floor(admission.admitted)));
        if (admitted < wanted) effects.gate = { ...admission, admitted, wanted };

        const namespace = pool.metadata?.namespace ?? '';
        const byName = new Map(live.map((c) => [c.metadata?.name ?? '', c]));
        const unshelve = plan.unshelve.slice(0, admitted);
        await forEachBounded(unshelve, CHILD_CONCURRENCY, async (name) => {
            const child = byName.get(name);
            if (child !== undefined)
                await this.children.patch(namespace, name, childPatch(child, pool, false));
        });
        effects.unshelved = unshelve.length;

        const creates = Math.min(plan.create, admitted - unshelve.length);
        const slots = Array.from({ length: creates }, (_, i) => i);
        await forEachBounded(slots, CHILD_CONCURRENCY, () => this.createOne(pool, hash));
        effects.created = creates;
    }

    private async createOne(pool: ElasticPool, hash: string): Promise<void> {
        for (let attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
            const name = childName(pool.metadata?.name ?? '');
            if (await this.children.create(newChild(pool, name, hash))) return;
        }
        throw new Error(`no free machine name for pool ${pool.metadata?.name ?? ''}`);
    }

    /** One aggregated Event per kind of change, not one per machine. */
    private announce(ctx: Ctx, effects: Effects, plan: PoolPlan): void {
        if (effects.created > 0) ctx.event(note('Normal', 'Created', 'Create', effects.created, 'Created'));
        const scaledDown = effects.removed - plan.replaced;
        if (scaledDown > 0) ctx.event(note('Normal', 'Deleted', 'Delete', scaledDown, 'Deleted'));
        if (plan.replaced > 0) {
            const replaced = note('Normal', 'Replaced', 'Replace', plan.replaced, 'Deleted');
            ctx.event({ ...replaced, note: `${replaced.note} made from an older template` });
        }
        if (effects.shelved > 0) ctx.event(note('Normal', 'Parked', 'Park', effects.shelved, 'Parked'));
        if (effects.unshelved > 0) {
            ctx.event(note('Normal', 'Unparked', 'Unpark', effects.unshelved, 'Unparked'));
        }
    }

    /** The outcome: Ready from the counts, Progressing from what is still moving, when to look again. */
    private verdict(
        ctx: Ctx,
        desired: EffectiveDesired,
        target: number,
        plan: PoolPlan,
        effects: Effects,
        deleting: number,
        extra: DesiredCondition[],
    ): Outcome {
        const counts: Counts = {
            replicas: ctx.status.replicas ?? 0,
            readyReplicas: ctx.status.readyReplicas ?? 0,
            parkedReplicas: ctx.status.parkedReplicas ?? 0,
        };
        const verdict = readiness(counts, target, desired.floor, desired.desired);
        const nextChange = this.untilNextChange(ctx, desired);

        if (effects.gate !== undefined) {
            const { admitted, wanted } = effects.gate;
            const reason = gateReason(effects.gate.reason);
            const message =
                effects.gate.message ?? `capacity gate admitted ${String(admitted)} of ${String(wanted)}`;
            const held = progressingCondition(reason, message);
            const retry = Math.min(effects.gate.retryMs ?? GATE_RETRY_MS, nextChange ?? Infinity);
            if (verdict.ready) return { ...ready(verdict.message, retry), extra: [...extra, held] };
            return { ...waiting(reason, message, retry), extra };
        }

        const moving = changed(effects) || plan.outdated > 0 || deleting > 0 || counts.replicas !== target;
        if (!verdict.ready) {
            return {
                ...progressing(verdict.reason, verdict.message, this.deps.settings.buildCheckMs),
                extra,
            };
        }
        if (moving) {
            const message = rolloutMessage(plan, deleting, counts, target);
            const still = progressingCondition('Progressing', message);
            return { ...ready(verdict.message, this.deps.settings.buildCheckMs), extra: [...extra, still] };
        }
        return { ...ready(verdict.message, nextChange), extra };
    }

    private untilNextChange(ctx: Ctx, desired: EffectiveDesired): number | undefined {
        if (desired.nextChangeMs === undefined) return undefined;
        // A millisecond late rather than early, so the change has happened when the pool looks.
        return Math.min(MAX_REQUEUE_MS, Math.max(1, desired.nextChangeMs - ctx.now() + 1));
    }
}

/**
 * Running children are those not released to parking; parked ones count once their machine reports
 * the parking done (locked, shelved and offloaded), so the column never runs ahead of the cloud.
 */
function countsOf(live: readonly Child[]): Counts {
    const running = live.filter((c) => c.spec.parked !== true);
    return {
        replicas: running.length,
        readyReplicas: running.filter(childReady).length,
        parkedReplicas: live.filter(parkedInCloud).length,
    };
}

function parkedInCloud(child: Child): boolean {
    return child.spec.parked === true && child.status?.parked === true;
}

/** The counts once the plan's effects land (new and unshelved machines are running, not yet ready). */
function projected(live: readonly Child[], plan: PoolPlan, effects: Effects): Counts {
    const gone = new Set([...plan.remove, ...plan.shelve]);
    const kept = live.filter((c) => !gone.has(c.metadata?.name ?? ''));
    const counts = countsOf(kept);
    return {
        replicas: counts.replicas + effects.created + effects.unshelved,
        readyReplicas: counts.readyReplicas,
        // Newly released machines are not parked until their machines say so.
        parkedReplicas: Math.max(0, counts.parkedReplicas - effects.unshelved),
    };
}

function setCounts(status: ElasticPoolStatus, counts: Counts): void {
    status.replicas = counts.replicas;
    status.readyReplicas = counts.readyReplicas;
    status.parkedReplicas = counts.parkedReplicas;
}

function changed(effects: Effects): boolean {
    const { created, removed, shelved, unshelved, patched } = effects;
    return created + removed + shelved + unshelved + patched > 0;
}

function rolloutMessage(plan: PoolPlan, deleting: number, counts: Counts, target: number): string {
    if (plan.outdated > 0) return `replacing ${String(plan.outdated)} machines made from an older template`;
    if (deleting > 0) return `waiting for ${String(deleting)} machines to be deleted`;
    return `${String(counts.replicas)} of ${String(target)} machines running`;
}

function progressingCondition(reason: Reason, message: string): DesiredCondition {
    return { type: 'Progressing', status: 'True', reason, message };
}

/** The gate's reason when it is one of the closed set, else a generic wait. */
function gateReason(reason: string | undefined): Reason {
    const known = REASONS.find((r) => r === reason);
    return known ?? 'WaitingForDependency';
}

function note(type: 'Normal' | 'Warning', reason: string, action: string, count: number, verb: string) {
    const noun = count === 1 ? 'machine' : 'machines';
    return { type, reason, action, note: `${verb} ${String(count)} ${noun}` };
}
