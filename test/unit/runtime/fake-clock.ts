import type { Clock, Timer } from '../../../operator/runtime/clock.ts';

interface Pending {
    at: number;
    seq: number;
    fn: () => void;
}

/** A clock that moves only when a test calls advance(); due timers fire in time order. */
export class FakeClock implements Clock {
    private time: number;
    private seq = 0;
    private pending: Pending[] = [];

    constructor(start = 1_700_000_000_000) {
        this.time = start;
    }

    now(): number {
        return this.time;
    }

    setTimer(fn: () => void, delayMs: number): Timer {
        const entry = { at: this.time + Math.max(0, delayMs), seq: this.seq++, fn };
        this.pending.push(entry);
        return { cancel: () => (this.pending = this.pending.filter((p) => p !== entry)) };
    }

    /** Moves time forward by `ms`, firing every timer that falls due, in order. */
    advance(ms: number): void {
        const target = this.time + ms;
        for (;;) {
            const next = this.nextDue(target);
            if (next === undefined) break;
            this.pending = this.pending.filter((p) => p !== next);
            this.time = next.at;
            next.fn();
        }
        this.time = target;
    }

    /** The number of timers not yet fired. */
    timerCount(): number {
        return this.pending.length;
    }

    private nextDue(target: number): Pending | undefined {
        const due = this.pending.filter((p) => p.at <= target);
        due.sort((a, b) => a.at - b.at || a.seq - b.seq);
        return due[0];
    }
}

/** Lets pending promise callbacks run. */
export async function settle(rounds = 5): Promise<void> {
    for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
