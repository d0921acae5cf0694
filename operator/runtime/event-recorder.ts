import { randomBytes } from 'node:crypto';

import { realClock, type Clock, type Timer } from './clock.ts';
import { microTime, type KubeObject } from './kube-object.ts';
import type { Logger } from './logging.ts';
import { errorFields } from './logging.ts';

/** An events.k8s.io/v1 Event, as far as the recorder writes it. */
export interface KubeEvent {
    apiVersion: 'events.k8s.io/v1';
    kind: 'Event';
    metadata: { name: string; namespace: string; resourceVersion?: string };
    eventTime: string;
    reportingController: string;
    reportingInstance: string;
    action: string;
    reason: string;
    type: 'Normal' | 'Warning';
    note: string;
    regarding: { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string };
    series?: { count: number; lastObservedTime: string };
}

/** Creates and replaces Events. */
export interface EventClient {
    create(event: KubeEvent): Promise<KubeEvent>;
    replace(event: KubeEvent): Promise<KubeEvent>;
}

/** One thing that happened to an object. `reason` and `action` are constants; `note` is for people. */
export interface EventInput {
    type: 'Normal' | 'Warning';
    reason: string;
    action: string;
    note: string;
}

/** Repeats within this window update the first Event's series instead of creating another. */
export const EVENT_SERIES_WINDOW_MS = 30 * 60_000;
/** A series is written at most this often; counts in between are kept and flushed by a timer. */
export const EVENT_SERIES_FLUSH_MS = 30_000;
const MAX_TRACKED = 4096;
const MAX_NOTE = 1024;

interface Tracked {
    event: KubeEvent;
    count: number;
    firstAt: number;
    lastAt: number;
    written: number;
    flush: Timer | undefined;
}

/**
 * Records Events for objects, aggregated as the events.k8s.io API intends: the first occurrence
 * creates an Event; repeats of the same (object, type, reason, action, note) within the series
 * window update that Event's series count and last time, written at most every flush interval.
 * Recording never throws and never blocks a reconcile: write failures are logged and dropped.
 * Notes MUST NOT carry secrets, tokens or user data.
 */
export class EventRecorder {
    private readonly tracked = new Map<string, Tracked>();
    private readonly client: EventClient;
    private readonly controller: string;
    private readonly instance: string;
    private readonly log: Logger;
    private readonly clock: Clock;

    constructor(opts: {
        client: EventClient;
        controller: string;
        instance: string;
        log: Logger;
        clock?: Clock;
    }) {
        this.client = opts.client;
        this.controller = opts.controller;
        this.instance = opts.instance;
        this.log = opts.log;
        this.clock = opts.clock ?? realClock;
    }

    /** Records `input` about `regarding`; returns once the write, if any, was attempted. */
    async record(regarding: KubeObject, input: EventInput): Promise<void> {
        const key = seriesKey(regarding, input);
        const now = this.clock.now();
        const known = this.tracked.get(key);

        if (known !== undefined && now - known.firstAt < EVENT_SERIES_WINDOW_MS) {
            known.count++;
            known.lastAt = now;
            this.scheduleFlush(known);
            return;
        }
        known?.flush?.cancel();
        this.prune(now);

        const event = this.newEvent(regarding, input, now);
        const entry: Tracked = { event, count: 1, firstAt: now, lastAt: now, written: now, flush: undefined };
        this.tracked.set(key, entry);
        await this.write(entry, () => this.client.create(event));
    }

    /** Cancels pending series flushes (on shutdown). */
    stop(): void {
        for (const entry of this.tracked.values()) entry.flush?.cancel();
    }

    private scheduleFlush(entry: Tracked): void {
        if (entry.flush !== undefined) return;
        const delay = Math.max(0, entry.written + EVENT_SERIES_FLUSH_MS - this.clock.now());
        entry.flush = this.clock.setTimer(() => {
            entry.flush = undefined;
            void this.flushSeries(entry);
        }, delay);
    }

    private async flushSeries(entry: Tracked): Promise<void> {
        entry.written = this.clock.now();
        const series = { count: entry.count, lastObservedTime: microTime(entry.lastAt) };
        await this.write(entry, () => this.client.replace({ ...entry.event, series }));
    }

    private async write(entry: Tracked, call: () => Promise<KubeEvent>): Promise<void> {
        try {
            entry.event = await call();
        } catch (err) {
            this.log.warn('Event write failed', { reason: entry.event.reason, ...errorFields(err) });
        }
    }

    private newEvent(regarding: KubeObject, input: EventInput, now: number): KubeEvent {
        const meta = regarding.metadata ?? {};
        return {
            apiVersion: 'events.k8s.io/v1',
            kind: 'Event',
            // Cluster-scoped objects' Events live in `default`, as Kubernetes puts them.
            metadata: {
                name: `${meta.name ?? 'unknown'}.${randomBytes(8).toString('hex')}`,
                namespace: meta.namespace ?? 'default',
            },
            eventTime: microTime(now),
            reportingController: this.controller,
            reportingInstance: this.instance,
            ...input,
            note: input.note.slice(0, MAX_NOTE),
            regarding: {
                apiVersion: regarding.apiVersion,
                kind: regarding.kind,
                name: meta.name,
                namespace: meta.namespace,
                uid: meta.uid,
            },
        };
    }

    /** Forgets series past their window, and the oldest ones beyond a fixed size. */
    private prune(now: number): void {
        for (const [key, entry] of this.tracked) {
            if (now - entry.firstAt >= EVENT_SERIES_WINDOW_MS && entry.flush === undefined)
                this.tracked.delete(key);
        }
        for (const key of this.tracked.keys()) {
            if (this.tracked.size < MAX_TRACKED) break;
            this.tracked.delete(key);
        }
    }
}

function seriesKey(regarding: KubeObject, input: EventInput): string {
    const meta = regarding.metadata ?? {};
    return JSON.stringify([
        meta.uid ?? `${meta.namespace ?? ''}/${meta.name ?? ''}`,
        input.type,
        input.reason,
        input.action,
        input.note,
    ]);
}
