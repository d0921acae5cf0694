/** Work priorities, most urgent first. */
export const PRIORITIES = ['urgent', 'normal', 'resync'] as const;
export type Priority = (typeof PRIORITIES)[number];

/**
 * How many dispatches in a row may pass over a waiting class before it is served anyway. Urgent
 * work (reclaim, emergency) is never passed over for its own sake; the limits give lower classes a
 * guaranteed share, which bounds how long urgent work waits: at most one normal and one resync
 * dispatch per few urgent ones.
 */
export interface FairnessSettings {
    normalSkipLimit: number;
    resyncSkipLimit: number;
}

export const DEFAULT_FAIRNESS: FairnessSettings = { normalSkipLimit: 4, resyncSkipLimit: 8 };

/** Whether `a` is more urgent than `b`. */
export function moreUrgent(a: Priority, b: Priority): boolean {
    return PRIORITIES.indexOf(a) < PRIORITIES.indexOf(b);
}

/**
 * Chooses which class the next dispatch serves: the most urgent non-empty class, unless a lower
 * class has been passed over its skip limit. Deterministic, so it is tested without time.
 */
export class PriorityPicker {
    private readonly skipped: Record<Priority, number> = { urgent: 0, normal: 0, resync: 0 };
    private readonly limits: Record<Priority, number>;

    constructor(settings: FairnessSettings = DEFAULT_FAIRNESS) {
        this.limits = {
            urgent: Number.POSITIVE_INFINITY,
            normal: settings.normalSkipLimit,
            resync: settings.resyncSkipLimit,
        };
    }

    /** Picks among the classes that have waiting work; undefined when none has. */
    pick(waiting: (priority: Priority) => boolean): Priority | undefined {
        const candidates = PRIORITIES.filter(waiting);
        const starved = candidates.filter((p) => this.skipped[p] >= this.limits[p]);
        // Of several starved classes, the lowest has waited the most dispatches relative to its share.
        const chosen = starved.at(-1) ?? candidates[0];
        if (chosen === undefined) return undefined;

        // Only being passed over for more urgent work counts: a starved class served out of turn
        // does not eat into the share of the classes above it.
        for (const p of candidates) {
            if (p === chosen) this.skipped[p] = 0;
            else if (moreUrgent(chosen, p)) this.skipped[p]++;
        }
        return chosen;
    }
}
