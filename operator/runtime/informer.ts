import { realClock, sleep, type Clock, type Timer } from './clock.ts';
import { httpStatus, objectKey, type KubeObject } from './kube-object.ts';
import type { Logger } from './logging.ts';
import { errorFields } from './logging.ts';
import type { RuntimeMetrics } from './metrics.ts';

/** A watch event as the API server sends it. ERROR carries a metav1.Status as its object. */
export interface WatchEvent {
    type: string;
    object: KubeObject & { code?: number };
}

/** A handle on one running watch. */
export interface WatchHandle {
    stop(): void;
}

/**
 * Where an informer lists and watches. watch() MUST call onDone exactly once when the watch ends:
 * with undefined when the server closed it normally, with the error otherwise.
 */
export interface ListWatchSource {
    list(): Promise<{ items: KubeObject[]; resourceVersion: string }>;
    watch(
        resourceVersion: string,
        onEvent: (event: WatchEvent) => void,
        onDone: (err: unknown) => void,
    ): Promise<WatchHandle>;
}

/** Called for every change the informer sees; deletes carry the last known object. */
export interface InformerHandler {
    added(obj: KubeObject): void;
    updated(obj: KubeObject, old: KubeObject): void;
    deleted(obj: KubeObject): void;
}

/** Informer timings. The watchdog fires after two bookmark intervals without any event. */
export interface InformerSettings {
    bookmarkIntervalMs: number;
    restartBaseDelayMs: number;
    restartMaxDelayMs: number;
}

/** kube-apiserver sends a bookmark about once a minute to watches that asked for them. */
export const DEFAULT_INFORMER_SETTINGS: InformerSettings = {
    bookmarkIntervalMs: 60_000,
    restartBaseDelayMs: 1_000,
    restartMaxDelayMs: 30_000,
};

type WatchOutcome = 'closed' | 'gone' | 'error' | 'stalled' | 'stopped';

export interface InformerOptions {
    resource: string;
    source: ListWatchSource;
    log: Logger;
    metrics?: RuntimeMetrics;
    clock?: Clock;
    settings?: InformerSettings;
}

/**
 * A cache of one resource kept current by list and watch. It asks for bookmarks; relists on 410
 * Gone, replacing the whole store and emitting deletes for objects that vanished meanwhile (so no
 * deleted object outlives a reconnect); restarts the watch with exponential backoff after any error;
 * and restarts a watch that delivered neither an event nor a bookmark for two bookmark intervals.
 */
export class Informer {
    readonly resource: string;
    private readonly store = new Map<string, KubeObject>();
    private readonly handlers: InformerHandler[] = [];
    private readonly opts: InformerOptions;
    private readonly clock: Clock;
    private readonly settings: InformerSettings;
    private readonly abort = new AbortController();
    private resourceVersion = '';
    private synced = false;
    private failures = 0;
    private running: Promise<void> | undefined;

    constructor(opts: InformerOptions) {
        this.opts = opts;
        this.resource = opts.resource;
        this.clock = opts.clock ?? realClock;
        this.settings = opts.settings ?? DEFAULT_INFORMER_SETTINGS;
    }

    /** Adds a handler; register handlers before start() so none misses the initial list. */
    addHandler(handler: InformerHandler): void {
        this.handlers.push(handler);
    }

    /** Starts listing and watching in the background until stop(). */
    start(): void {
        this.running ??= this.run();
    }

    /** Stops the watch and waits for the loop to end. */
    async stop(): Promise<void> {
        this.abort.abort(new Error('informer stopped'));
        await this.running;
    }

    /** True once the first list has filled the store. */
    hasSynced(): boolean {
        return this.synced;
    }

    get(key: string): KubeObject | undefined {
        return this.store.get(key);
    }

    list(): KubeObject[] {
        return [...this.store.values()];
    }

    private async run(): Promise<void> {
        let needList = true;
        while (!this.abort.signal.aborted) {
            if (needList && !(await this.relist())) {
                await this.backoff();
                continue;
            }
            needList = false;

            const outcome = await this.watchOnce();
            if (outcome === 'stopped') return;
            this.countRestart(outcome);
            if (outcome === 'gone') needList = true;
            // A normal close (the server's watch timeout) and 410 restart at once; errors back off.
            if (outcome === 'error' || outcome === 'stalled') await this.backoff();
        }
    }

    // NOTE: a list in flight is not aborted by stop(), which waits for it; lists are short, and an
    // abortable list would need the signal threaded through client-node's generated API options.
    private async relist(): Promise<boolean> {
        try {
            const { items, resourceVersion } = await this.opts.source.list();
            if (this.abort.signal.aborted) return false;
            this.replace(items);
            this.resourceVersion = resourceVersion;
            this.synced = true;
            this.opts.metrics?.informerSynced.set({ resource: this.resource }, 1);
            return true;
        } catch (err) {
            this.opts.log.warn('List failed', { resource: this.resource, ...errorFields(err) });
            return false;
        }
    }

    /**
     * Makes the store equal `items`, emitting adds, updates (on a new version) and deletes.
     * Unchanged objects emit nothing: periodic re-evaluation is the controller's resync timer.
     */
    private replace(items: KubeObject[]): void {
        const fresh = new Map(items.map((obj) => [objectKey(obj), obj]));
        for (const [key, old] of this.store) {
            if (!fresh.has(key)) this.remove(key, old);
        }
        for (const [key, obj] of fresh) this.upsert(key, obj);
        this.opts.metrics?.informerRelists.inc({ resource: this.resource });
    }

    private upsert(key: string, obj: KubeObject): void {
        const old = this.store.get(key);
        this.store.set(key, obj);
        this.opts.metrics?.informerObjects.set({ resource: this.resource }, this.store.size);
        if (old === undefined) {
            for (const h of this.handlers) h.added(obj);
        } else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
            for (const h of this.handlers) h.updated(obj, old);
        }
    }

    private remove(key: string, last: KubeObject): void {
        this.store.delete(key);
        this.opts.metrics?.informerObjects.set({ resource: this.resource }, this.store.size);
        for (const h of this.handlers) h.deleted(last);
    }

    /** Runs one watch to its end and says how it ended. */
    private async watchOnce(): Promise<WatchOutcome> {
        const { promise, resolve } = Promise.withResolvers<WatchOutcome>();
        let ended = false;
        let watchdog: Timer | undefined;
        const finish = (outcome: WatchOutcome) => {
            ended = true;
            resolve(outcome);
        };
        const armWatchdog = () => {
            watchdog?.cancel();
            watchdog = this.clock.setTimer(() => {
                finish('stalled');
            }, 2 * this.settings.bookmarkIntervalMs);
        };
        const onEvent = (event: WatchEvent) => {
            // Lines already buffered may still arrive from a watch that ended; they must not reach
            // a store that a relist may have replaced.
            if (ended) return;
            armWatchdog();
            const outcome = this.apply(event);
            if (outcome !== undefined) finish(outcome);
        };
        const onDone = (err: unknown) => {
            if (!ended) finish(this.classify(err));
        };
        const onAbort = () => {
            finish('stopped');
        };
        this.abort.signal.addEventListener('abort', onAbort, { once: true });

        armWatchdog();
        // Not awaited before the outcome: stop() must not wait for a connection still being made.
        const handle = this.startWatch(onEvent, onDone);
        const outcome = await promise;

        watchdog?.cancel();
        void handle.then((h) => h?.stop());
        this.abort.signal.removeEventListener('abort', onAbort);
        return outcome;
    }

    private async startWatch(
        onEvent: (event: WatchEvent) => void,
        onDone: (err: unknown) => void,
    ): Promise<WatchHandle | undefined> {
        try {
            return await this.opts.source.watch(this.resourceVersion, onEvent, onDone);
        } catch (err) {
            onDone(err);
            return undefined;
        }
    }

    /** Applies one event to the store; returns an outcome when the event ends the watch. */
    private apply(event: WatchEvent): WatchOutcome | undefined {
        const version = event.object.metadata?.resourceVersion;
        switch (event.type) {
            case 'ADDED':
            case 'MODIFIED':
                this.upsert(objectKey(event.object), event.object);
                break;
            case 'DELETED':
                this.remove(objectKey(event.object), event.object);
                break;
            case 'BOOKMARK':
                break;
            case 'ERROR':
                this.opts.log.warn('Watch error event', { resource: this.resource, code: event.object.code });
                return event.object.code === 410 ? 'gone' : 'error';
            default:
                return undefined;
        }
        if (version !== undefined) this.resourceVersion = version;
        this.failures = 0;
        return undefined;
    }

    private classify(err: unknown): WatchOutcome {
        if (this.abort.signal.aborted) return 'stopped';
        if (err === undefined || err === null) return 'closed';
        if (httpStatus(err) === 410) return 'gone';
        this.opts.log.warn('Watch failed', { resource: this.resource, ...errorFields(err) });
        return 'error';
    }

    private countRestart(reason: Exclude<WatchOutcome, 'stopped'>): void {
        this.opts.metrics?.informerRestarts.inc({ resource: this.resource, reason });
        if (reason === 'stalled') this.opts.log.warn('Watch stalled', { resource: this.resource });
    }

    private async backoff(): Promise<void> {
        const { restartBaseDelayMs, restartMaxDelayMs } = this.settings;
        const delay = Math.min(restartMaxDelayMs, restartBaseDelayMs * 2 ** Math.min(this.failures, 20));
        this.failures++;
        await sleep(this.clock, delay, this.abort.signal).catch(() => undefined);
    }
}
