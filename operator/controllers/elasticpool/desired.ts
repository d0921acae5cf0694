import type { ElasticPoolSpec, ScheduleWindow, WindowRef } from './types.ts';

/** The pool's effective desired replicas at one instant, and why. */
export interface EffectiveDesired {
    desired: number;
    floor: number;
    ceiling: number;
    /** The base (window, spec or floor) lay outside [floor, ceiling]. */
    clamped: boolean;
    /** Such as "spec.replicas", "window election-days", "clamped to maxReplicas 1200". */
    reason: string;
    /** The base before clamping. */
    base: number;
    /** The window in force (opened, counting its lead time), if any. */
    window?: WindowRef;
    /** The window in force, else the next to open. */
    nextWindow?: WindowRef;
    /** Epoch ms when the result changes next: a window opening (minus lead time) or closing. */
    nextChangeMs?: number;
}

interface ParsedWindow {
    window: ScheduleWindow;
    /** When it takes effect: start minus lead time. */
    fromMs: number;
    startMs: number;
    endMs: number;
}

const DURATION_PART = /([0-9]+(?:\.[0-9]+)?)(h|m|s)/g;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000 };

/** Parses a lead time such as "30m", "1h30m" or "90s" into milliseconds; malformed gives 0. */
export function parseDurationMs(text: string | undefined): number {
    if (text === undefined || !/^([0-9]+(\.[0-9]+)?(h|m|s))+$/.test(text)) return 0;
    let total = 0;
    for (const match of text.matchAll(DURATION_PART)) {
        total += Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 0);
    }
    return Math.round(total);
}

/**
 * DESIGN.md's effective desired replicas: with the window `w` in force (from start minus its lead
 * time until its end), floor = max(minReplicas, w.minReplicas), ceiling = min(maxReplicas,
 * w.maxReplicas), base = w.replicas ?? replicas ?? floor, desired = base clamped to [floor, ceiling].
 * Pure: the clock is a parameter.
 */
export function effectiveDesired(spec: ElasticPoolSpec, nowMs: number): EffectiveDesired {
    const windows = parseWindows(spec.schedule ?? []);
    const active = windows.find((w) => w.fromMs <= nowMs && nowMs < w.endMs);
    const upcoming = windows.find((w) => w.fromMs > nowMs);
    const w = active?.window;

    const ceiling = Math.min(spec.maxReplicas, w?.maxReplicas ?? Number.MAX_SAFE_INTEGER);
    // Admission checks each pair of bounds, not a window's minReplicas against spec.maxReplicas:
    // the ceiling wins ("the pool never runs more"), so the floor never exceeds it.
    const floor = Math.min(ceiling, Math.max(spec.minReplicas ?? 0, w?.minReplicas ?? 0));
    const { base, source } = baseOf(spec, w, floor);
    const desired = Math.min(ceiling, Math.max(floor, base));
    const clamped = desired !== base;

    const result: EffectiveDesired = {
        desired,
        floor,
        ceiling,
        clamped,
        base,
        reason: clamped ? clampReason(desired, base, spec, w) : source,
    };
    if (active !== undefined) result.window = refOf(active.window);
    const next = active ?? upcoming;
    if (next !== undefined) result.nextWindow = refOf(next.window);
    const change = active?.endMs ?? upcoming?.fromMs;
    if (change !== undefined) result.nextChangeMs = change;
    return result;
}

function baseOf(
    spec: ElasticPoolSpec,
    w: ScheduleWindow | undefined,
    floor: number,
): { base: number; source: string } {
    if (w?.replicas !== undefined) return { base: w.replicas, source: `window ${windowName(w)}` };
    if (spec.replicas !== undefined) {
        const source = w === undefined ? 'spec.replicas' : `spec.replicas in window ${windowName(w)}`;
        return { base: spec.replicas, source };
    }
    const source = w === undefined ? 'floor (no replicas set)' : `floor in window ${windowName(w)}`;
    return { base: floor, source };
}

function clampReason(desired: number, base: number, spec: ElasticPoolSpec, w: ScheduleWindow | undefined) {
    if (base > desired) {
        const byWindow = w?.maxReplicas !== undefined && w.maxReplicas < spec.maxReplicas;
        const bound = byWindow ? `window ${windowName(w)} maxReplicas` : 'maxReplicas';
        return `clamped to ${bound} ${String(desired)}`;
    }
    const byWindow = w?.minReplicas !== undefined && w.minReplicas > (spec.minReplicas ?? 0);
    const bound = byWindow ? `window ${windowName(w)} minReplicas` : 'minReplicas';
    return `clamped to ${bound} ${String(desired)}`;
}

/** Windows with valid times, ordered by when they take effect. */
function parseWindows(schedule: readonly ScheduleWindow[]): ParsedWindow[] {
    const parsed: ParsedWindow[] = [];
    for (const window of schedule) {
        const startMs = Date.parse(window.start);
        const endMs = Date.parse(window.end);
        if (Number.isNaN(startMs) || Number.isNaN(endMs) || endMs <= startMs) continue;
        parsed.push({ window, startMs, endMs, fromMs: startMs - parseDurationMs(window.leadTime) });
    }
    return parsed.sort((a, b) => a.fromMs - b.fromMs);
}

function windowName(w: ScheduleWindow | undefined): string {
    return w?.name ?? w?.start ?? '';
}

function refOf(w: ScheduleWindow): WindowRef {
    const ref: WindowRef = { start: w.start, end: w.end };
    if (w.name !== undefined) ref.name = w.name;
    return ref;
}
