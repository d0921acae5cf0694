/** A cancellable timer handle. */
export interface Timer {
    cancel(): void;
}

/**
 * The time source every runtime part takes, so tests can drive time by hand. Times are
 * milliseconds since the epoch.
 */
export interface Clock {
    now(): number;
    /** Calls `fn` once after `delayMs`; the timer never keeps the process alive. */
    setTimer(fn: () => void, delayMs: number): Timer;
}

/** The wall clock. */
export const realClock: Clock = {
    now: () => Date.now(),
    setTimer(fn, delayMs) {
        const handle = setTimeout(fn, Math.max(0, delayMs));
        handle.unref();
        return {
            cancel: () => {
                clearTimeout(handle);
            },
        };
    },
};

/** Resolves after `delayMs` on `clock`, or rejects with the signal's reason when it aborts first. */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) {
            reject(signal.reason as Error);
            return;
        }
        const onAbort = () => {
            timer.cancel();
            reject(signal?.reason as Error);
        };
        const timer = clock.setTimer(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, delayMs);
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
