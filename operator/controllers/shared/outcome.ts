import { OpenStackError } from '../../openstack/errors.ts';
import type { DesiredCondition, Reason } from './conditions.ts';

/**
 * What an actuator concluded, as a value. The generic reconciler turns it into conditions, a
 * requeue decision and logs; actuators never decide those themselves.
 * - `ready`: observed matches desired (optionally look again after `retryAfterMs`, e.g. quota drift);
 * - `progressing`: the cloud is moving towards desired; look again after `retryAfterMs`;
 * - `waiting`: blocked on something outside (a dependency, quota, a role); look again later;
 * - `terminal`: will not pass by retrying; re-evaluated on a spec change or the slow timer;
 * - `transient`: failed in a way that may pass; retried with backoff.
 */
export interface Outcome {
    state: 'ready' | 'progressing' | 'waiting' | 'terminal' | 'transient';
    reason: Reason;
    message: string;
    retryAfterMs?: number;
    /** Finalization only: the cloud side is settled and the finalizer may be removed. */
    released?: boolean;
    /**
     * Conditions besides Ready and Progressing (e.g. a Tenant's port quota); one of those types
     * replaces what the state implies (Progressing False for a wait on someone else).
     */
    extra?: DesiredCondition[];
}

export function ready(message: string, retryAfterMs?: number): Outcome {
    return { state: 'ready', reason: 'Success', message, ...(retryAfterMs ? { retryAfterMs } : {}) };
}

export function progressing(reason: Reason, message: string, retryAfterMs: number): Outcome {
    return { state: 'progressing', reason, message, retryAfterMs };
}

export function waiting(reason: Reason, message: string, retryAfterMs: number): Outcome {
    return { state: 'waiting', reason, message, retryAfterMs };
}

export function terminalOutcome(reason: Reason, message: string): Outcome {
    return { state: 'terminal', reason, message };
}

/** Finalization finished: nothing of the object is left to settle in the cloud. */
export function released(message: string): Outcome {
    return { state: 'ready', reason: 'Deleting', message, released: true };
}

/** Retry intervals for the error classes that wait rather than back off. */
export interface ErrorRetry {
    quotaRetryMs: number;
    policyRetryMs: number;
}

/**
 * The outcome of an error an actuator did not expect, by its class (decided once, at the client):
 * quota waits, policy waits slowly (a role may arrive late), Invalid and NotFound are terminal,
 * everything else (Transient, Conflict, non-OpenStack failures) is retried with backoff.
 */
export function outcomeOfError(err: unknown, retry: ErrorRetry): Outcome {
    const message = err instanceof Error ? err.message : String(err);
    if (!(err instanceof OpenStackError)) return { state: 'transient', reason: 'TransientError', message };

    switch (err.kind) {
        case 'QuotaExceeded':
            return waiting('QuotaExceeded', message, retry.quotaRetryMs);
        case 'PolicyForbidden':
            return waiting('PolicyForbidden', message, retry.policyRetryMs);
        case 'Invalid':
            return terminalOutcome(
                err.serviceMessage.startsWith('AmbiguousName') ? 'AmbiguousName' : 'InvalidConfiguration',
                message,
            );
        case 'NotFound':
            return terminalOutcome('UnknownReference', message);
        case 'Conflict':
        case 'Transient':
            return { state: 'transient', reason: 'TransientError', message };
    }
}
