import { realClock, type Clock, type Timer } from './clock.ts';
import {
    PriorityPicker,
    moreUrgent,
    PRIORITIES,
    type FairnessSettings,
    type Priority,
} from './priority-picker.ts';
import { DEFAULT_BACKOFF, KeyBackoff, TokenBucket, type BackoffSettings } from './rate-limit.ts';

/** Observes a queue; metrics.ts implements it with prom-client. All methods must be cheap. */
export interface QueueObserver {
    added(): void;
    depth(depth: number): void;
    /** Seconds an item waited between becoming ready and being handed to a worker. */
    queued(seconds: number): void;
    /** Seconds a worker held an item. */
    worked(seconds: number): void;
    retried(): void;
}

export interface WorkQueueOptions {
    clock?: Clock;
    backoff?: BackoffSettings;
    /** The overall retry rate across all keys. */
    qps?: number;
    burst?: number;
    fairness?: FairnessSettings;
    observer?: QueueObserver;
}

/** An item handed to a worker. The worker MUST call done(key) when it is finished with it. */
export interface WorkItem {
    key: string;
    priority: Priority;
}

interface Delayed {
    at: number;
    priority: Priority;
    timer: Timer;
}

/**
 * A work queue of object keys with client-go's guarantees: a key is queued at most once however
 * often it is added; a key being processed is never handed to a second worker — adding it meanwhile
 * marks it dirty, and done() queues it again. Three priorities (urgent, normal, resync) are served
 * by PriorityPicker. Retries go through addRateLimited: the larger of a per-key exponential backoff
 * and an overall token bucket, as controller-runtime's default rate limiter does.
 */
export class WorkQueue {
    private readonly clock: Clock;
    private readonly ready: Record<Priority, string[]> = { urgent: [], normal: [], resync: [] };
    /** Keys waiting to be processed, with their priority and when they became ready. */
    private readonly dirty = new Map<string, { priority: Priority; since: number }>();
    /** Keys held by a worker, with when it took them. */
    private readonly processing = new Map<string, number>();
    private readonly delayed = new Map<string, Delayed>();
    private readonly waiters: ((item: WorkItem | undefined) => void)[] = [];
    private readonly picker: PriorityPicker;
    private readonly backoff: KeyBackoff;
    private readonly bucket: TokenBucket;
    private readonly observer: QueueObserver | undefined;
    private shuttingDown = false;

    constructor(options: WorkQueueOptions = {}) {
        this.clock = options.clock ?? realClock;
        this.picker = new PriorityPicker(options.fairness);
        this.backoff = new KeyBackoff(options.backoff ?? DEFAULT_BACKOFF);
        this.bucket = new TokenBucket(options.qps ?? 10, options.burst ?? 100, this.clock);
        this.observer = options.observer;
    }

    /** Queues `key` now. A key already queued keeps its place, raised to the more urgent priority. */
    add(key: string, priority: Priority = 'normal'): void {
        if (this.shuttingDown) return;
        this.observer?.added();

        const queued = this.dirty.get(key);
        if (queued !== undefined) {
            if (moreUrgent(priority, queued.priority)) this.raise(key, queued.priority, priority);
            return;
        }
        this.dirty.set(key, { priority, since: this.clock.now() });
        if (!this.processing.has(key)) this.ready[priority].push(key);
        this.dispatch();
    }

    /** Queues `key` after `delayMs`; of several pending delays for one key, the earliest wins. */
    addAfter(key: string, delayMs: number, priority: Priority = 'normal'): void {
        if (this.shuttingDown) return;
        if (delayMs <= 0) {
            this.add(key, priority);
            return;
        }

        const at = this.clock.now() + delayMs;
        const pending = this.delayed.get(key);
        if (pending !== undefined && pending.at <= at) return;
        pending?.timer.cancel();

        const timer = this.clock.setTimer(() => {
            this.delayed.delete(key);
            this.add(key, priority);
        }, delayMs);
        this.delayed.set(key, { at, priority, timer });
    }

    /** Queues `key` after its backoff and the overall rate limit allow; counts a retry. */
    addRateLimited(key: string, priority: Priority = 'normal'): void {
        if (this.shuttingDown) return;
        this.observer?.retried();
        this.addAfter(key, Math.max(this.backoff.next(key), this.bucket.reserve()), priority);
    }

    /** Clears `key`'s backoff: call it when the key was processed successfully. */
    forget(key: string): void {
        this.backoff.forget(key);
    }

    /** The number of rate-limited retries of `key` since it was last forgotten. */
    numRequeues(key: string): number {
        return this.backoff.count(key);
    }

    /** Waits for the next item; resolves undefined once the queue shuts down. */
    get(): Promise<WorkItem | undefined> {
        if (this.shuttingDown) return Promise.resolve(undefined);
        return new Promise((resolve) => {
            this.waiters.push(resolve);
            this.dispatch();
        });
    }

    /** Releases `key` from its worker; if it was added meanwhile, it is queued again. */
    done(key: string): void {
        const started = this.processing.get(key);
        if (started === undefined) return;
        this.processing.delete(key);
        this.observer?.worked((this.clock.now() - started) / 1000);

        const queued = this.dirty.get(key);
        if (queued !== undefined && !this.shuttingDown) {
            this.ready[queued.priority].push(key);
            this.dispatch();
        }
    }

    /** Stops handing out work: waiting get() calls resolve undefined, delayed adds are dropped. */
    shutDown(): void {
        this.shuttingDown = true;
        for (const { timer } of this.delayed.values()) timer.cancel();
        this.delayed.clear();
        for (const waiter of this.waiters.splice(0)) waiter(undefined);
    }

    /** Keys waiting to be processed (not counting those held by workers or delayed). */
    len(): number {
        return PRIORITIES.reduce((sum, p) => sum + this.ready[p].length, 0);
    }

    /** Seconds of work held by workers right now, summed, and the longest single one. */
    inFlight(): { unfinishedSeconds: number; longestSeconds: number } {
        const now = this.clock.now();
        const ages = [...this.processing.values()].map((started) => (now - started) / 1000);
        return { unfinishedSeconds: ages.reduce((a, b) => a + b, 0), longestSeconds: Math.max(0, ...ages) };
    }

    private raise(key: string, from: Priority, to: Priority): void {
        const since = this.dirty.get(key)?.since ?? this.clock.now();
        this.dirty.set(key, { priority: to, since });

        const list = this.ready[from];
        const index = list.indexOf(key);
        // A key held by a worker is in no ready list; done() will queue it with the raised priority.
        if (index < 0) return;
        list.splice(index, 1);
        this.ready[to].push(key);
        this.dispatch();
    }

    private dispatch(): void {
        while (this.waiters.length > 0) {
            const priority = this.picker.pick((p) => this.ready[p].length > 0);
            if (priority === undefined) break;

            const key = this.ready[priority].shift();
            if (key === undefined) break;
            const since = this.dirty.get(key)?.since ?? this.clock.now();
            this.dirty.delete(key);
            this.processing.set(key, this.clock.now());
            this.observer?.queued((this.clock.now() - since) / 1000);
            this.waiters.shift()?.({ key, priority });
        }
        this.observer?.depth(this.len());
    }
}
