import type { Clock, Timer } from '../runtime/clock.ts';
import { PriorityPicker, type FairnessSettings, type Priority } from '../runtime/priority-picker.ts';

interface Waiter {
    since: number;
    resolve: (waitedMs: number) => void;
    reject: (reason: unknown) => void;
}

/**
 * A per-cloud token bucket whose waiters are served by priority. `urgent` (reclaim, emergency) is
 * served first, behind at most the few lower-class calls the fairness limits let through, so it
 * waits about (skip limit + 1) / qps seconds at worst; `resync` is passed over at most its skip
 * limit times in a row, so it is never starved.
 */
export class CloudRateLimiter {
    private tokens: number;
    private last: number;
    private timer: Timer | undefined;
    private readonly queues: Record<Priority, Waiter[]> = { urgent: [], normal: [], resync: [] };
    private readonly picker: PriorityPicker;
    private readonly qps: number;
    private readonly burst: number;
    private readonly clock: Clock;

    constructor(qps: number, burst: number, clock: Clock, fairness?: FairnessSettings) {
        this.qps = qps;
        this.burst = burst;
        this.clock = clock;
        this.tokens = burst;
        this.last = clock.now();
        this.picker = new PriorityPicker(fairness);
    }

    /** Waits for a token; resolves with the milliseconds waited, or rejects when `signal` aborts. */
    acquire(priority: Priority, signal?: AbortSignal): Promise<number> {
        if (signal?.aborted === true) return Promise.reject(signal.reason as Error);

        return new Promise((resolve, reject) => {
            const waiter: Waiter = { since: this.clock.now(), resolve, reject };
            const onAbort = () => {
                this.remove(priority, waiter);
                reject(signal?.reason as Error);
            };
            signal?.addEventListener('abort', onAbort, { once: true });
            waiter.resolve = (waited) => {
                signal?.removeEventListener('abort', onAbort);
                resolve(waited);
            };
            this.queues[priority].push(waiter);
            this.pump();
        });
    }

    /** How many calls wait, for a gauge. */
    waiting(): number {
        return this.queues.urgent.length + this.queues.normal.length + this.queues.resync.length;
    }

    private pump(): void {
        this.refill();
        while (this.tokens >= 1) {
            const priority = this.picker.pick((p) => this.queues[p].length > 0);
            if (priority === undefined) return;
            const waiter = this.queues[priority].shift();
            if (waiter === undefined) return;
            this.tokens -= 1;
            waiter.resolve(this.clock.now() - waiter.since);
        }
        if (this.waiting() > 0 && this.timer === undefined) this.scheduleNext();
    }

    private scheduleNext(): void {
        const delayMs = Math.ceil(((1 - this.tokens) / this.qps) * 1000);
        this.timer = this.clock.setTimer(() => {
            this.timer = undefined;
            this.pump();
        }, delayMs);
    }

    private refill(): void {
        const now = this.clock.now();
        this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
        this.last = now;
    }

    private remove(priority: Priority, waiter: Waiter): void {
        const queue = this.queues[priority];
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
    }
}
