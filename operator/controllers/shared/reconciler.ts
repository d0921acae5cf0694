import type { Clock } from '../../runtime/clock.ts';
import type { EventInput } from '../../runtime/event-recorder.ts';
import type { KubeObject } from '../../runtime/kube-object.ts';
import type { Logger } from '../../runtime/logging.ts';
import {
    done,
    requeueAfter,
    terminal,
    transient,
    type ReconcileRequest,
    type ReconcileResult,
    type Reconciler,
} from '../../runtime/reconcile-result.ts';
import { writeStatus, type StatusClient } from '../../runtime/status-writer.ts';
import type { AuditCall, AuditTrigger, AuditWriter } from './audit.ts';
import { setCondition, type Condition, type DesiredCondition } from './conditions.ts';
import { addFinalizer, removeFinalizer, type ObjectClient, type Writable } from './kube-objects.ts';
import { outcomeOfError, type ErrorRetry, type Outcome } from './outcome.ts';
import { isPaused } from './paused.ts';

/** The status fields every kind shares. */
export interface CommonStatus {
    observedGeneration?: number;
    paused?: boolean;
    conditions?: Condition[];
}

/** What an actuator is handed for one reconcile. */
export interface KindContext<S extends CommonStatus> {
    /** The working status; the generic reconciler writes it, with conditions, on every exit path. */
    status: S;
    /** Writes the working status now; throws when it cannot. Use before acting on what it records. */
    persist(): Promise<void>;
    /** Runs one cloud mutation with an audit record (and its outcome's Event from the caller). */
    mutate<T>(trigger: AuditTrigger, call: AuditCall, mutation: () => Promise<T>): Promise<T>;
    event(input: EventInput): void;
    log: Logger;
    signal: AbortSignal;
    now(): number;
}

/** One kind's cloud side. Both methods report outcomes as values; throwing is classified generically. */
export interface KindActuator<T extends Writable, S extends CommonStatus> {
    reconcile(obj: T, ctx: KindContext<S>): Promise<Outcome>;
    /** Settles the cloud side of a deleted object; `released` lets the finalizer go. */
    finalize(obj: T, ctx: KindContext<S>): Promise<Outcome>;
    /** The object at `key` is gone from the cache (deleted, with or without its finalizer). */
    forget?(key: string): void;
}

export interface KindReconcilerOptions<T extends Writable, S extends CommonStatus> {
    kind: string;
    finalizer: string;
    actuator: KindActuator<T, S>;
    objects: ObjectClient;
    statuses: StatusClient;
    events: { record(regarding: KubeObject, input: EventInput): Promise<void> };
    audit: AuditWriter;
    clock: Clock;
    retry: ErrorRetry;
    /** Objects this reconciler serves; others are left untouched. Absent: all. */
    accepts?: (obj: T) => boolean;
    /** Top-level status fields another writer owns (the arbiter's); status writes carry them over. */
    foreignStatusFields?: readonly string[];
}

/**
 * The one reconcile loop body every kind uses: skip what is not served, honour the paused
 * annotation, hold a finalizer before any cloud action, run the actuator, and write status —
 * `observedGeneration`, `Ready` and `Progressing` — on every exit path, then map the outcome to a
 * requeue decision. A result never carries both an error and a delay.
 */
export class KindReconciler<T extends Writable, S extends CommonStatus> implements Reconciler {
    private readonly opts: KindReconcilerOptions<T, S>;
    /** The resourceVersion each object had after this process last wrote it. */
    private readonly written = new Map<string, string>();

    constructor(opts: KindReconcilerOptions<T, S>) {
        this.opts = opts;
    }

    async reconcile(request: ReconcileRequest): Promise<ReconcileResult> {
        const cached = request.object as (T & { status?: S }) | undefined;
        if (cached === undefined) {
            this.opts.actuator.forget?.(request.key);
            this.written.delete(request.key);
        }
        if (cached === undefined || this.opts.accepts?.(cached) === false) return done;
        // NOTE: status is computed from a read at least as recent as both the cache and this
        // process's own last write of the object, never from the cache alone: a cache one write
        // behind would have a retried status write re-apply stale fields (a repair count, a server
        // ID). The API server's watch cache serves such a read without a quorum read from etcd.
        const notOlderThan = newest(cached.metadata?.resourceVersion, this.written.get(request.key));
        const read = (await this.opts.statuses.get(request.key, notOlderThan)) as
            (T & { status?: S }) | undefined;
        if (read === undefined) return done;

        if (isPaused(read)) return this.paused(read, this.context(read, request));
        const deleting = read.metadata?.deletionTimestamp !== undefined;
        if (deleting && !(read.metadata?.finalizers ?? []).includes(this.opts.finalizer)) return done;
        // The object as the finalizer write left it: its resourceVersion is the one status writes need.
        const obj = deleting
            ? read
            : ((await addFinalizer(this.opts.objects, read, this.opts.finalizer)) as typeof read);
        this.remember(request.key, obj);
        const ctx = this.context(obj, request);

        const outcome = await this.run(obj, ctx, deleting);
        if (outcome.released === true) {
            await removeFinalizer(this.opts.objects, request.key, this.opts.finalizer);
            return done;
        }

        await this.write(obj, ctx, outcome);
        return resultOf(outcome);
    }

    private async run(obj: T, ctx: KindContext<S>, deleting: boolean): Promise<Outcome> {
        const { actuator } = this.opts;
        try {
            return await (deleting ? actuator.finalize(obj, ctx) : actuator.reconcile(obj, ctx));
        } catch (err) {
            // An abort (lost leadership, shutdown) is not the object's fault; the next leader goes on.
            if (ctx.signal.aborted) throw err;
            return outcomeOfError(err, this.opts.retry);
        }
    }

    private async paused(obj: T & { status?: S }, ctx: KindContext<S>): Promise<ReconcileResult> {
        ctx.status.paused = true;
        const conditions = setCondition(
            ctx.status.conditions,
            { type: 'Progressing', status: 'False', reason: 'Paused', message: 'cloud actions are paused' },
            obj.metadata?.generation,
            this.nowIso(),
        );
        ctx.status.conditions = conditions;
        await ctx.persist();
        return done;
    }

    private async write(obj: T, ctx: KindContext<S>, outcome: Outcome): Promise<void> {
        const generation = obj.metadata?.generation;
        let conditions = ctx.status.conditions;
        // An extra condition of a type the state implies (Progressing) replaces it, so it is set once.
        const extra = outcome.extra ?? [];
        const implied = conditionsOf(outcome).filter((c) => !extra.some((e) => e.type === c.type));
        for (const desired of [...implied, ...extra]) {
            conditions = setCondition(conditions, desired, generation, this.nowIso());
        }
        ctx.status.conditions = conditions;
        ctx.status.observedGeneration = generation;
        delete ctx.status.paused;
        await ctx.persist();
    }

    private context(obj: T & { status?: S }, request: ReconcileRequest): KindContext<S> {
        const { events, audit, statuses, clock, foreignStatusFields } = this.opts;
        const status = structuredClone(obj.status ?? {}) as S;
        let observed: T & { status?: unknown } = obj;
        const remember = (object: KubeObject) => {
            this.remember(request.key, object);
        };
        return {
            status,
            log: request.log,
            signal: request.signal,
            now: () => clock.now(),
            async persist() {
                const computed = structuredClone(status);
                const result = await writeStatus(statuses, request.key, observed, computed, {
                    ...(foreignStatusFields ? { foreign: foreignStatusFields } : {}),
                    // The next write of this reconcile starts from this one's resourceVersion.
                    written: (object) => {
                        observed = object as T & { status?: unknown };
                        remember(object);
                    },
                });
                if (result === 'gone') throw new Error('object deleted while reconciling');
            },
            mutate: (trigger, call, mutation) => audit.record(obj, trigger, call, mutation),
            event: (input) => void events.record(obj, input),
        };
    }

    /** Records the resourceVersion of this process's latest copy of the object at `key`. */
    private remember(key: string, obj: KubeObject): void {
        const version = obj.metadata?.resourceVersion;
        if (version !== undefined) this.written.set(key, version);
    }

    private nowIso(): string {
        return new Date(this.opts.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
}

/** Ready and Progressing as an outcome states them. */
function conditionsOf(outcome: Outcome): DesiredCondition[] {
    const { reason, message } = outcome;
    const isReady = outcome.state === 'ready';
    const moving = outcome.state === 'progressing' || outcome.state === 'waiting';
    const busy = moving || outcome.state === 'transient';
    return [
        { type: 'Ready', status: isReady ? 'True' : 'False', reason, message },
        { type: 'Progressing', status: busy ? 'True' : 'False', reason, message },
    ];
}

function resultOf(outcome: Outcome): ReconcileResult {
    switch (outcome.state) {
        case 'ready':
            return outcome.retryAfterMs === undefined ? done : requeueAfter(outcome.retryAfterMs);
        case 'progressing':
        case 'waiting':
            return requeueAfter(outcome.retryAfterMs ?? 1_000);
        case 'terminal':
            return terminal(new Error(`${outcome.reason}: ${outcome.message}`));
        case 'transient':
            return transient(new Error(outcome.message));
    }
}

/**
 * The more recent of two resourceVersions. They are opaque to clients, but etcd's are integers:
 * when either is not, there is no safe choice and the read goes to etcd (undefined).
 */
function newest(a: string | undefined, b: string | undefined): string | undefined {
    if (a === undefined || b === undefined) return a ?? b;
    if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
    return BigInt(a) >= BigInt(b) ? a : b;
}
