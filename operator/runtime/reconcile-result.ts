import type { KubeObject } from './kube-object.ts';
import type { Logger } from './logging.ts';
import type { Priority } from './priority-picker.ts';

/**
 * What one reconcile concluded. A result never carries both an error and a delay: a transient
 * error is retried with the queue's backoff, a terminal one is not retried quickly.
 */
export type ReconcileResult =
    | { kind: 'done' }
    | { kind: 'requeueAfter'; delayMs: number }
    | { kind: 'transient'; error: Error }
    | { kind: 'terminal'; error: Error };

/** Nothing left to do until something changes. */
export const done: ReconcileResult = { kind: 'done' };

/** Look again after `delayMs` (polling the cloud); not an error. */
export function requeueAfter(delayMs: number): ReconcileResult {
    return { kind: 'requeueAfter', delayMs };
}

/** Failed in a way that may pass (5xx, 429, transport, conflicts): retry with backoff. */
export function transient(error: Error): ReconcileResult {
    return { kind: 'transient', error };
}

/** Failed in a way that will not pass by retrying (invalid spec): wait for a change or the slow timer. */
export function terminal(error: Error): ReconcileResult {
    return { kind: 'terminal', error };
}

/** What a reconciler is handed for one reconcile. */
export interface ReconcileRequest {
    /** `namespace/name`, or `name` for cluster-scoped objects. */
    key: string;
    /** The object as the informer's cache has it at the start; undefined once it is deleted. */
    object: KubeObject | undefined;
    priority: Priority;
    /** Carries controller, key and reconcileID on every line. */
    log: Logger;
    /**
     * Aborts when this process stops leading or the operator shuts down. Every cloud call MUST take
     * it, so that no cloud action continues once another process may have taken over.
     */
    signal: AbortSignal;
}

/**
 * A reconciler compares the observed state with the desired one and acts on the difference. It
 * reports what happened as a value; throwing is treated as a transient error. Only the generic loop
 * decides requeues, logs of outcome and metrics.
 */
export interface Reconciler {
    reconcile(request: ReconcileRequest): Promise<ReconcileResult>;
}
