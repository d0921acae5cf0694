import type { Clock } from './clock.ts';

/**
 * A token bucket: `qps` tokens per second, holding at most `burst`. reserve() always takes a token,
 * going into debt when the bucket is empty, and returns how long the caller must wait for it — so
 * waiting callers are served in the order they asked, and never more than `qps` on average.
 */
export class TokenBucket {
    private tokens: number;
    private last: number;
    private readonly qps: number;
    private readonly burst: number;
    private readonly clock: Clock;

    constructor(qps: number, burst: number, clock: Clock) {
        this.qps = qps;
        this.burst = burst;
        this.clock = clock;
        this.tokens = burst;
        this.last = clock.now();
    }

    /** Takes one token; returns the delay in milliseconds before it may be used (0 if at once). */
    reserve(): number {
        const now = this.clock.now();
        this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
        this.last = now;
        this.tokens -= 1;
        return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
    }
}

/** Per-key exponential backoff settings. */
export interface BackoffSettings {
    baseDelayMs: number;
    maxDelayMs: number;
}

/** Production backoff: 50 ms doubling per failure up to 5 minutes. */
export const DEFAULT_BACKOFF: BackoffSettings = { baseDelayMs: 50, maxDelayMs: 5 * 60_000 };

/** Counts failures per key and turns them into exponentially growing delays with a cap. */
export class KeyBackoff {
    private readonly failures = new Map<string, number>();
    private readonly settings: BackoffSettings;

    constructor(settings: BackoffSettings = DEFAULT_BACKOFF) {
        this.settings = settings;
    }

    /** Records one more failure of `key` and returns the delay before its next attempt. */
    next(key: string): number {
        const count = this.failures.get(key) ?? 0;
        this.failures.set(key, count + 1);
        // Cap the exponent too, so a long-failing key cannot overflow to Infinity.
        const delay = this.settings.baseDelayMs * 2 ** Math.min(count, 40);
        return Math.min(delay, this.settings.maxDelayMs);
    }

    /** The number of failures recorded for `key` since it was last forgotten. */
    count(key: string): number {
        return this.failures.get(key) ?? 0;
    }

    forget(key: string): void {
        this.failures.delete(key);
    }
}
