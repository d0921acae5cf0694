import { isRecord } from './json.ts';

/**
 * The classes every OpenStack failure is sorted into, once, where the cloud answers. Callers decide
 * on the class alone: `NotFound` and `Conflict` are facts about the resource, `QuotaExceeded` waits for
 * quota or capacity, `PolicyForbidden` retries slowly (a role may arrive late), `Transient` backs off,
 * `Invalid` is terminal until something relevant changes.
 */
export const ERROR_KINDS = [
    'NotFound',
    'Conflict',
    'QuotaExceeded',
    'PolicyForbidden',
    'Transient',
    'Invalid',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Which call failed: the service type and a constant operation name (never an ID or a path). */
export interface CallSite {
    service: string;
    operation: string;
}

export interface OpenStackErrorFields extends CallSite {
    kind: ErrorKind;
    /** The HTTP status, or 0 when no answer came (refused, reset, timeout). */
    status: number;
    /** x-openstack-request-id or x-compute-request-id, when the service sent one. */
    requestId: string | undefined;
    /** The service's own message, cut to a bounded length; never a body, token or secret. */
    serviceMessage: string;
    /** Seconds the service asked us to wait (429 Retry-After), when given. */
    retryAfterSeconds?: number | undefined;
    /**
     * True when a non-idempotent call (a create) may or may not have taken effect: the caller must
     * settle it by looking the resource up (by tag), never by calling again.
     */
    ambiguous?: boolean;
}

/**
 * An OpenStack call that failed. Its message is one line built only from the fields, so it is safe
 * to log, put in an Event or a status condition.
 */
export class OpenStackError extends Error {
    readonly kind: ErrorKind;
    readonly service: string;
    readonly operation: string;
    readonly status: number;
    readonly requestId: string | undefined;
    readonly serviceMessage: string;
    readonly retryAfterSeconds: number | undefined;
    readonly ambiguous: boolean;

    constructor(fields: OpenStackErrorFields) {
        super(describe(fields));
        this.name = 'OpenStackError';
        this.kind = fields.kind;
        this.service = fields.service;
        this.operation = fields.operation;
        this.status = fields.status;
        this.requestId = fields.requestId;
        this.serviceMessage = fields.serviceMessage;
        this.retryAfterSeconds = fields.retryAfterSeconds;
        this.ambiguous = fields.ambiguous ?? false;
    }

    /** The same error marked as an ambiguous outcome (used for creates). */
    asAmbiguous(): OpenStackError {
        return new OpenStackError({ ...this.fields(), ambiguous: true });
    }

    private fields(): OpenStackErrorFields {
        const { kind, service, operation, status, requestId, serviceMessage, retryAfterSeconds } = this;
        return { kind, service, operation, status, requestId, serviceMessage, retryAfterSeconds };
    }
}

function describe(f: OpenStackErrorFields): string {
    const status = f.status === 0 ? 'no answer' : `HTTP ${f.status}`;
    const request = f.requestId === undefined ? '' : ` [${f.requestId}]`;
    const ambiguous = f.ambiguous === true ? ' (outcome unknown)' : '';
    return `${f.service} ${f.operation}: ${f.kind}${ambiguous}, ${status}${request}: ${f.serviceMessage}`;
}

/** Whether `err` is an OpenStackError of one of `kinds`. */
export function isKind(err: unknown, ...kinds: ErrorKind[]): err is OpenStackError {
    return err instanceof OpenStackError && kinds.includes(err.kind);
}

const MAX_MESSAGE_CHARS = 300;

// Nova's and Keystone's quota refusals; a 403 without these words is a policy refusal.
const QUOTA_PATTERN = /quota exceeded|exceeds? (?:the )?(?:\w+ )?quota|over quota|quota.*exceeded/i;

/** The class of an HTTP status, with the message deciding between the two kinds of 403. */
export function kindOfStatus(status: number, serviceMessage: string): ErrorKind {
    if (status === 404) return 'NotFound';
    if (status === 409) return 'Conflict';
    if (status === 403 || status === 413) {
        return QUOTA_PATTERN.test(serviceMessage) ? 'QuotaExceeded' : 'PolicyForbidden';
    }
    // NOTE: a 401 that survives one token re-issue means the scope has no role (yet): Keystone says
    // so for a project where the member grant has not landed, which is a policy matter that may heal.
    if (status === 401) return 'PolicyForbidden';
    if (status === 429 || status >= 500) return 'Transient';
    return 'Invalid';
}

/** The request ID of an answer, from either header OpenStack services use. */
export function requestIdOf(headers: Headers): string | undefined {
    return headers.get('x-openstack-request-id') ?? headers.get('x-compute-request-id') ?? undefined;
}

/**
 * The service's message out of an error body, in any of the formats the services use: Nova's
 * `{"itemNotFound": {"message"}}`, Keystone's `{"error": {"message"}}`, Placement's
 * `{"errors": [{"detail"}]}`, Neutron's `{"NeutronError": {"message"}}`, Glance's HTML page.
 * Only the message is kept; the rest of the body is dropped here.
 */
export function serviceMessageOf(bodyText: string): string {
    const parsed = parseJson(bodyText);
    const message = parsed === undefined ? textOfHtml(bodyText) : messageOfJson(parsed);
    return clip(message.trim() === '' ? 'no message' : message);
}

function messageOfJson(body: unknown): string {
    if (!isRecord(body)) return '';

    if (Array.isArray(body.errors)) {
        const first: unknown = body.errors[0];
        return isRecord(first) ? stringField(first, 'detail') || stringField(first, 'title') : '';
    }
    for (const value of Object.values(body)) {
        if (isRecord(value) && typeof value.message === 'string') return value.message;
    }
    return stringField(body, 'message');
}

function textOfHtml(text: string): string {
    const stripped = text.replace(/<title>.*?<\/title>/is, '').replace(/<[^>]*>/g, ' ');
    return stripped.replace(/\s+/g, ' ');
}

function clip(message: string): string {
    const oneLine = message.replace(/\s+/g, ' ').trim();
    return oneLine.length <= MAX_MESSAGE_CHARS ? oneLine : `${oneLine.slice(0, MAX_MESSAGE_CHARS)}…`;
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return undefined;
    }
}

function stringField(record: Record<string, unknown>, key: string): string {
    const value = record[key];
    return typeof value === 'string' ? value : '';
}

/** Classifies an HTTP answer that is not a success. */
export function errorFromResponse(site: CallSite, status: number, headers: Headers, bodyText: string) {
    const serviceMessage = serviceMessageOf(bodyText);
    return new OpenStackError({
        ...site,
        kind: kindOfStatus(status, serviceMessage),
        status,
        requestId: requestIdOf(headers),
        serviceMessage,
        retryAfterSeconds: retryAfterOf(headers),
    });
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); undefined when absent. */
export function retryAfterOf(headers: Headers, nowMs = Date.now()): number | undefined {
    const value = headers.get('retry-after');
    if (value === null || value.trim() === '') return undefined;

    const seconds = Number(value);
    if (Number.isFinite(seconds)) return Math.max(0, seconds);
    const date = Date.parse(value);
    return Number.isNaN(date) ? undefined : Math.max(0, (date - nowMs) / 1000);
}

/**
 * Classifies a failure with no answer: refused, reset, DNS, TLS or a per-request timeout are all
 * `Transient`. The caller's own abort is not a cloud error and is rethrown by the transport before
 * this is reached.
 */
export function errorFromTransport(site: CallSite, err: unknown): OpenStackError {
    return new OpenStackError({
        ...site,
        kind: 'Transient',
        status: 0,
        requestId: undefined,
        serviceMessage: transportReason(err),
    });
}

// Only the error's name and code: an undici message may quote a URL, and URLs may carry secrets.
function transportReason(err: unknown): string {
    if (!(err instanceof Error)) return 'transport failure';
    if (err.name === 'TimeoutError') return 'timed out';

    const cause = (err as { cause?: unknown }).cause;
    const code = isRecord(cause) && typeof cause.code === 'string' ? cause.code : undefined;
    return code === undefined ? `transport failure (${err.name})` : `transport failure (${code})`;
}
