import type { Clock } from '../runtime/clock.ts';

/** How long answers are reused: on a hit, and when what the caller looks for is not in them. */
export interface AnswerAges {
    /** An answer younger than this is reused. */
    referenceCacheMs: number;
    /** A lookup that found nothing, or several, asks again when the answer is older than this. */
    referenceMissRefreshMs: number;
}

interface Entry<T> {
    value: T;
    /** When the lookup that gave it started: the answer is at least this fresh. */
    at: number;
}

/** Oldest entries go first beyond this many (keys are a project and a reference: few in practice). */
const MAX_ENTRIES = 10_000;

/**
 * Answers of read-only cloud lookups (a project's flavors, an image by name), by key. An answer is
 * reused while it is young enough, and a lookup in flight is shared: a thousand machines resolving
 * the same reference at once cause one call. A failed lookup is shared by those waiting on it and
 * kept by no one. The lookup runs without any caller's signal (others may still want its answer);
 * each caller stops waiting when its own signal aborts, and the client's leadership signal still
 * aborts the call itself.
 */
export class AnswerCache<T> {
    private readonly clock: Clock;
    private readonly ages: AnswerAges;
    private readonly entries = new Map<string, Entry<T>>();
    private readonly flights = new Map<string, { promise: Promise<T>; startedAt: number }>();

    constructor(clock: Clock, ages: AnswerAges) {
        this.clock = clock;
        this.ages = ages;
    }

    /**
     * What `pick` finds in the answer for `key`. When it finds other than exactly one, the answer is
     * asked for again if older than the miss refresh, so a reference that just appeared is seen
     * without waiting for the answer to expire (and a missing one costs at most one call per refresh).
     */
    async find<R>(key: string, load: () => Promise<T>, pick: (answer: T) => R[], signal?: AbortSignal) {
        const found = pick(await this.get(key, this.ages.referenceCacheMs, load, signal));
        if (found.length === 1) return found;
        return pick(await this.get(key, this.ages.referenceMissRefreshMs, load, signal));
    }

    /** The answer for `key` no older than `maxAgeMs`: cached, in flight, or looked up now. */
    get(key: string, maxAgeMs: number, load: () => Promise<T>, signal?: AbortSignal): Promise<T> {
        const now = this.clock.now();
        const entry = this.entries.get(key);
        if (entry !== undefined && now - entry.at < maxAgeMs) return Promise.resolve(entry.value);
        const flight = this.flights.get(key);
        if (flight !== undefined && now - flight.startedAt <= maxAgeMs)
            return waitFor(flight.promise, signal);

        const promise = load().then((value) => {
            this.keep(key, { value, at: now });
            return value;
        });
        const settled = () => {
            if (this.flights.get(key)?.promise === promise) this.flights.delete(key);
        };
        promise.then(settled, settled);
        this.flights.set(key, { promise, startedAt: now });
        return waitFor(promise, signal);
    }

    private keep(key: string, entry: Entry<T>): void {
        const kept = this.entries.get(key);
        // A slower, older lookup must not replace a fresher answer.
        if (kept !== undefined && kept.at > entry.at) return;
        this.entries.delete(key);
        this.entries.set(key, entry);
        if (this.entries.size <= MAX_ENTRIES) return;
        const oldest = this.entries.keys().next();
        if (oldest.done !== true) this.entries.delete(oldest.value);
    }
}

/** `promise`, or the signal's reason when it aborts first. */
function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (signal === undefined) return promise;
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<T>((resolve, reject) => {
        const onAbort = () => {
            reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        promise.then(resolve, reject).finally(() => {
            signal.removeEventListener('abort', onAbort);
        });
    });
}
