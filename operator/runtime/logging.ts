import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';

import winston from 'winston';

import type { LogLevel } from './config.ts';

/**
 * Bascule's logger: winston, one JSON object per line.
 *
 * Level policy (what a reader of the default `info` output can rely on):
 * - `error`: the operator cannot do its job — start-up failure, lost lease, API server unreachable
 *   for longer than a watch restart, a terminal reconcile error.
 * - `warn`: trouble that the runtime is handling — watch restarts, 410 relists, status conflicts
 *   that ran out of retries, transient reconcile errors after several retries.
 * - `info`: operator life (start, leader acquired, shutdown, a reconcile it cut short) and every
 *   cloud mutation (create, delete, adopt). A steady state, where every reconcile finds nothing to
 *   change, logs nothing.
 * - `verbose`: each reconcile's decision (requeue, delay, result) and each transient error.
 * - `debug`: "no changes", watch bookmarks, queue internals.
 *
 * Messages are constant strings; everything variable goes into fields, so lines can be counted and
 * searched by message. Never log request or response bodies, tokens or user data.
 */
export type Logger = winston.Logger;

/** Creates the root logger writing to `stream` (stdout by default). */
export function createLogger(level: LogLevel, stream: Writable = process.stdout): Logger {
    return winston.createLogger({
        level,
        format: winston.format.combine(
            winston.format.timestamp(),
            winston.format.errors({ stack: false }),
            winston.format.json(),
        ),
        transports: [new winston.transports.Stream({ stream })],
    });
}

/** A logger for one controller; every line carries `controller`. */
export function controllerLogger(root: Logger, controller: string): Logger {
    return root.child({ controller });
}

/**
 * A logger for one reconcile: every line carries the object's key (`namespace/name`, or `name`
 * for cluster-scoped objects) and a fresh `reconcileID`, so one reconcile's lines can be found.
 */
export function reconcileLogger(controllerLog: Logger, key: string): Logger {
    return controllerLog.child({ key, reconcileID: randomUUID() });
}

/** Reduces an error to fields that are safe to log: its name, message and, if any, HTTP code. */
export function errorFields(err: unknown): Record<string, unknown> {
    if (!(err instanceof Error)) return { error: String(err) };

    const code = (err as { code?: unknown }).code;
    return { error: err.message, errorName: err.name, ...(typeof code === 'number' ? { code } : {}) };
}
