import { realClock, type Clock, type Timer } from './clock.ts';
import type { Informer, InformerHandler } from './informer.ts';
import { objectKey, type KubeObject } from './kube-object.ts';
import { controllerLogger, errorFields, reconcileLogger, type Logger } from './logging.ts';
import type { ReconcileResultLabel, RuntimeMetrics } from './metrics.ts';
import type { Priority } from './priority-picker.ts';
import type { ReconcileResult, Reconciler } from './reconcile-result.ts';
import { WorkQueue, type WorkItem } from './workqueue.ts';

/** Tells the controller whether it may start a reconcile, and aborts when it may no longer act. */
export interface LeadershipGate {
    isLeader(): boolean;
    readonly signal: AbortSignal;
}

/** Controller timings. */
export interface ControllerSettings {
    /** A terminal error is looked at again after this long, even if nothing changed. */
    terminalRetryMs: number;
    /** Every cached object is queued at `resync` priority this often. */
    resyncIntervalMs: number;
    /** On stop, in-flight reconciles get this long to finish before their signal aborts. */
    shutdownGraceMs: number;
}

export const DEFAULT_CONTROLLER_SETTINGS: ControllerSettings = {
    terminalRetryMs: 15 * 60_000,
    resyncIntervalMs: 10 * 60_000,
    shutdownGraceMs: 10_000,
};

export interface ControllerOptions {
    name: string;
    reconciler: Reconciler;
    /** The informers of the controller's kind: one for all namespaces, or one per watched namespace. */
    informers: Informer[];
    log: Logger;
    metrics: RuntimeMetrics;
    queue: WorkQueue;
    workers: number;
    leadership?: LeadershipGate;
    clock?: Clock;
    settings?: ControllerSettings;
}

/**
 * The generic reconcile loop every kind uses. It queues the keys its informer reports, runs
 * `workers` reconciles at a time (never two for one key), and turns each result into a requeue
 * decision, a log line at the level policy's level and metrics. Terminal errors are not retried
 * quickly: the key is looked at again when its generation changes, on the slow terminal timer, or
 * when something else queues it. While not leading, it starts no reconcile.
 */
export class Controller {
    readonly name: string;
    private readonly opts: ControllerOptions;
    private readonly log: Logger;
    private readonly clock: Clock;
    private readonly settings: ControllerSettings;
    private readonly stopping = new AbortController();
    /** Generation at which each key failed terminally. */
    private readonly terminalAt = new Map<string, number | undefined>();
    private workers: Promise<void>[] = [];
    private resyncTimer: Timer | undefined;

    constructor(opts: ControllerOptions) {
        this.opts = opts;
        this.name = opts.name;
        this.log = controllerLogger(opts.log, opts.name);
        this.clock = opts.clock ?? realClock;
        this.settings = opts.settings ?? DEFAULT_CONTROLLER_SETTINGS;
        for (const informer of opts.informers) {
            informer.addHandler({
                added: (obj) => {
                    this.enqueue(objectKey(obj));
                },
                updated: (obj, old) => {
                    this.onUpdate(obj, old);
                },
                deleted: (obj) => {
                    this.enqueue(objectKey(obj));
                },
            });
        }
    }

    /** Queues `key`; other components (the arbiter, watches of related kinds) use it too. */
    enqueue(key: string, priority: Priority = 'normal'): void {
        this.opts.queue.add(key, priority);
    }

    /** The objects of this controller's kind as its informers hold them; other loops read them. */
    list(): KubeObject[] {
        return this.opts.informers.flatMap((informer) => informer.list());
    }

    /** Whether every informer of this controller's kind has listed. */
    hasSynced(): boolean {
        return this.opts.informers.every((informer) => informer.hasSynced());
    }

    /** Adds `handler` to this controller's informers (another loop following the same kind). */
    watch(handler: InformerHandler): void {
        for (const informer of this.opts.informers) informer.addHandler(handler);
    }

    /** Starts the workers and the resync timer. */
    start(): void {
        this.opts.metrics.maxConcurrent.set({ controller: this.name }, this.opts.workers);
        this.opts.metrics.activeWorkers.set({ controller: this.name }, 0);
        this.workers = Array.from({ length: this.opts.workers }, () => this.work());
        this.scheduleResync();
    }

    /**
     * Stops taking work, lets in-flight reconciles finish for the grace period, then aborts their
     * signal and waits for them to return.
     */
    async stop(): Promise<void> {
        this.resyncTimer?.cancel();
        this.opts.queue.shutDown();
        const finished = Promise.all(this.workers);
        let graceTimer: Timer | undefined;
        const grace = new Promise<void>((resolve) => {
            graceTimer = this.clock.setTimer(resolve, this.settings.shutdownGraceMs);
        });
        await Promise.race([finished, grace]);
        graceTimer?.cancel();
        this.stopping.abort(new Error('operator shutting down'));
        await finished;
    }

    private onUpdate(obj: KubeObject, old: KubeObject): void {
        const key = objectKey(obj);
        // A reconciler's own status write must not queue it again at once: a status that changes on
        // every attempt (a new request ID in a message) would otherwise bypass every backoff.
        if (!changedForReconcile(obj, old)) return;
        // A terminally failed key waits for a spec change; status and metadata churn are ignored.
        if (this.terminalAt.has(key) && this.terminalAt.get(key) === obj.metadata?.generation) return;
        this.enqueue(key);
    }

    private scheduleResync(): void {
        this.resyncTimer = this.clock.setTimer(() => {
            // Terminally failed keys have their own, slower timer.
            const keys = this.opts.informers.flatMap((informer) => informer.list()).map(objectKey);
            for (const key of keys) if (!this.terminalAt.has(key)) this.enqueue(key, 'resync');
            this.scheduleResync();
        }, this.settings.resyncIntervalMs);
    }

    private async work(): Promise<void> {
        for (;;) {
            const item = await this.opts.queue.get();
            if (item === undefined) return;
            try {
                // Checked at the moment of starting: leadership may have lapsed while the item waited.
                if (this.opts.leadership?.isLeader() === false) continue;
                await this.reconcileOne(item);
            } finally {
                this.opts.queue.done(item.key);
            }
        }
    }

    private async reconcileOne(item: WorkItem): Promise<void> {
        const { metrics } = this.opts;
        const controller = this.name;
        const log = reconcileLogger(this.log, item.key);
        const signals = [
            this.stopping.signal,
            ...(this.opts.leadership ? [this.opts.leadership.signal] : []),
        ];
        const signal = AbortSignal.any(signals);
        const started = this.clock.now();

        metrics.activeWorkers.inc({ controller });
        const object = this.cached(item.key);
        const result = await this.invoke({ ...item, object, log, signal });
        metrics.activeWorkers.dec({ controller });
        metrics.reconcileTime.observe({ controller }, (this.clock.now() - started) / 1000);

        metrics.reconcileTotal.inc({ controller, result: this.decide(item, result, log, signal) });
    }

    private async invoke(request: Parameters<Reconciler['reconcile']>[0]): Promise<ReconcileResult> {
        try {
            return await this.opts.reconciler.reconcile(request);
        } catch (err) {
            return { kind: 'transient', error: err instanceof Error ? err : new Error(String(err)) };
        }
    }

    /** Requeues as the result asks, logs it, and returns its metric label. */
    private decide(
        item: WorkItem,
        result: ReconcileResult,
        log: Logger,
        signal: AbortSignal,
    ): ReconcileResultLabel {
        const { queue, metrics } = this.opts;
        const { key, priority } = item;
        if (result.kind !== 'terminal') this.terminalAt.delete(key);

        switch (result.kind) {
            case 'done':
                queue.forget(key);
                log.debug('Reconcile finished');
                return 'success';
            case 'requeueAfter':
                queue.forget(key);
                queue.addAfter(key, result.delayMs, priority);
                log.verbose('Reconcile requeued', { delayMs: result.delayMs });
                return 'requeue_after';
            case 'transient':
                metrics.reconcileErrors.inc({ controller: this.name });
                queue.addRateLimited(key, priority);
                // Cut short by this process (lease lost or released, shutdown grace over), not by the
                // object: one line at info, since whoever leads next redoes its cloud calls.
                if (signal.aborted) log.info('Reconcile aborted', errorFields(signal.reason));
                else this.logTransient(log, result.error, queue.numRequeues(key));
                return 'error';
            case 'terminal':
                metrics.reconcileErrors.inc({ controller: this.name });
                metrics.terminalErrors.inc({ controller: this.name });
                queue.forget(key);
                this.terminalAt.set(key, this.cached(key)?.metadata?.generation);
                queue.addAfter(key, this.settings.terminalRetryMs, 'resync');
                log.error('Reconcile failed terminally', errorFields(result.error));
                return 'error';
        }
    }

    private cached(key: string): KubeObject | undefined {
        for (const informer of this.opts.informers) {
            const obj = informer.get(key);
            if (obj !== undefined) return obj;
        }
        return undefined;
    }

    /** Transient errors are expected now and then; only a run of them is worth a warning. */
    private logTransient(log: Logger, error: Error, retries: number): void {
        const level = retries >= 5 ? 'warn' : 'verbose';
        log.log(level, 'Reconcile failed, will retry', { retries, ...errorFields(error) });
    }
}

/**
 * Whether an update touched what reconciles act on: the spec (generation), labels, annotations
 * (bascule.io/paused), finalizers or deletion. Status-only and resourceVersion-only updates do not.
 */
export function changedForReconcile(obj: KubeObject, old: KubeObject): boolean {
    const now = obj.metadata;
    const before = old.metadata;
    return (
        now?.generation !== before?.generation ||
        String(now?.deletionTimestamp) !== String(before?.deletionTimestamp) ||
        !sameJson(now?.labels, before?.labels) ||
        !sameJson(now?.annotations, before?.annotations) ||
        // Only a removal matters: an added finalizer is the reconciler's own write before its first
        // cloud action, and queuing again on it ran a first reconcile twice (a terminal failure logged twice).
        (before?.finalizers ?? []).some((f) => !(now?.finalizers ?? []).includes(f))
    );
}

function sameJson(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}
