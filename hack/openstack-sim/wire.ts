// The wire format shared by every service: replies, request IDs, error bodies and timestamps.
import type { IncomingHttpHeaders } from 'node:http';

import type { Random } from './random.ts';

/** What a handler answers; the server writes it, so a fault can still drop or delay it. */
export interface Reply {
    status: number;
    body?: unknown;
    headers?: Record<string, string>;
}

/** Nova's fault names by status, from nova/api/openstack/wsgi.py; anything else is a computeFault. */
const NOVA_FAULT_NAMES: Record<number, string> = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    429: 'overLimit',
    501: 'notImplemented',
    503: 'serviceUnavailable',
};

const KEYSTONE_TITLES: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
};

export class HttpError extends Error {
    readonly reply: Reply;

    constructor(reply: Reply) {
        super(`HTTP ${reply.status}`);
        this.reply = reply;
    }
}

export function novaError(status: number, message: string): HttpError {
    const name = NOVA_FAULT_NAMES[status] ?? 'computeFault';
    return new HttpError({ status, body: { [name]: { code: status, message } } });
}

export function keystoneError(status: number, message: string): HttpError {
    const title = KEYSTONE_TITLES[status] ?? 'Error';
    return new HttpError({ status, body: { error: { code: status, message, title } } });
}

/** Placement answers errors in the API-WG format, carrying the request ID in the body. */
export function placementError(status: number, detail: string, requestId = ''): HttpError {
    const title = KEYSTONE_TITLES[status] ?? 'Error';
    return new HttpError({ status, body: { errors: [{ status, title, detail, request_id: requestId }] } });
}

export function neutronError(status: number, type: string, message: string): HttpError {
    return new HttpError({ status, body: { NeutronError: { type, message, detail: '' } } });
}

/** Glance speaks webob's plain error pages; clients read the status and the text. */
export function glanceError(status: number, message: string): HttpError {
    const title = KEYSTONE_TITLES[status] ?? 'Error';
    return new HttpError({
        status,
        body: `<html><head><title>${status} ${title}</title></head><body><h1>${status} ${title}</h1>${message}<br /><br /></body></html>`,
    });
}

/** An error in the format of the service the request went to. */
export function serviceError(service: string, status: number, message: string): HttpError {
    switch (service) {
        case 'compute':
            return novaError(status, message);
        case 'placement':
            return placementError(status, message);
        case 'network':
            return neutronError(status, 'HTTPError', message);
        case 'image':
            return glanceError(status, message);
        default:
            return keystoneError(status, message);
    }
}

export function newRequestId(random: Random): string {
    return `req-${random.uuid()}`;
}

/** Nova prints seconds with a Z: 2026-12-03T16:25:20Z. */
export function novaTime(ms: number): string {
    const seconds = Math.floor(ms / 1000);
    let text = NOVA_TIMES.get(seconds);
    if (text === undefined) {
        text = new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
        NOVA_TIMES.set(seconds, text);
        if (NOVA_TIMES.size > 100_000) {
            NOVA_TIMES.clear();
        }
    }
    return text;
}

/** Formatting dates is a visible share of a 12,000-server listing; few distinct seconds recur. */
const NOVA_TIMES = new Map<number, string>();

/** Nova's launched_at and Keystone's expires_at carry microseconds: 2026-12-03T16:25:21.000000. */
export function microTime(ms: number): string {
    return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
    const value = headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object under `key` of a request body, or a 400 in the service's format. */
export function requireObject(body: unknown, key: string, fail: (message: string) => HttpError) {
    if (!isRecord(body) || !isRecord(body[key])) {
        throw fail(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(body)}.`);
    }
    return body[key];
}

/** A request value as text, the way Python would print it in an error message. */
export function text(value: unknown): string {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        return String(value);
    }
    return value === undefined || value === null ? 'None' : JSON.stringify(value);
}
