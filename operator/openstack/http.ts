import { realClock, sleep as clockSleep, type Clock } from '../runtime/clock.ts';
import type { Priority } from '../runtime/priority-picker.ts';
import {
    errorFromResponse,
    errorFromTransport,
    OpenStackError,
    requestIdOf,
    type CallSite,
} from './errors.ts';
import type { CloudRateLimiter } from './rate-limiter.ts';
import type { ClientSettings } from './settings.ts';

/** One cloud call as metrics see it; `code` is the HTTP status, or `transport` / `timeout`. */
export interface CallEvent {
    service: string;
    operation: string;
    code: string;
    seconds: number;
    /** The rate-limit class the call waited in, and how long it waited for its token. */
    priority: Priority;
    throttleWaitSeconds: number;
    /** The service's request ID (x-openstack-request-id or x-compute-request-id), when it sent one. */
    requestId?: string;
}

/** Observes every attempt (the runtime wires it to prom-client); it must not throw. */
export interface CallObserver {
    onCall(event: CallEvent): void;
}

/** The `fetch` the transport uses: the platform's, or undici's with a custom TLS agent. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Whether a call may be sent again after a failure that may have reached the service. `never` is
 * for creates: Nova has no idempotency key, so an unknown outcome is returned as an ambiguous error
 * and settled by the caller with a tag lookup.
 */
export type RetryPolicy = 'safe' | 'never';

export interface HttpRequest extends CallSite {
    method: string;
    url: string;
    token?: string | undefined;
    body?: unknown;
    headers?: Record<string, string>;
    priority?: Priority;
    /** The caller's cancellation (the runtime aborts every in-flight call on losing leadership). */
    signal?: AbortSignal | undefined;
    /** Defaults to `never` for POST and `safe` for every other method. */
    retry?: RetryPolicy;
    timeoutMs?: number;
    /** Overrides the settings' maxAttempts (token issuance retries longer). */
    maxAttempts?: number;
}

/** A successful answer; the body is parsed JSON for the typed calls to pick from, never to log. */
export interface HttpAnswer {
    status: number;
    headers: Headers;
    body: unknown;
}

export interface TransportDeps {
    settings: ClientSettings;
    limiter: CloudRateLimiter;
    clock?: Clock;
    fetch?: FetchLike;
    observer?: CallObserver | undefined;
    /** Waits between attempts; tests inject one that records and returns at once. */
    sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
    random?: () => number;
}

/**
 * Sends calls to one cloud: rate-limited, each attempt with its own timeout, retried with
 * exponential backoff and jitter on Transient failures (429 after its Retry-After), every failure
 * classified into an OpenStackError. A caller's abort is rethrown as its reason, never retried.
 */
export class Transport {
    private readonly deps: Required<Omit<TransportDeps, 'observer'>> & { observer?: CallObserver };

    constructor(deps: TransportDeps) {
        const clock = deps.clock ?? realClock;
        this.deps = {
            settings: deps.settings,
            limiter: deps.limiter,
            clock,
            fetch: deps.fetch ?? ((url, init) => fetch(url, init)),
            sleep: deps.sleep ?? ((ms, signal) => clockSleep(clock, ms, signal)),
            random: deps.random ?? Math.random,
            observer: deps.observer,
        };
    }

    /** Sends `req`; resolves with a 2xx/3xx answer or rejects with an OpenStackError. */
    async send(req: HttpRequest): Promise<HttpAnswer> {
        const policy = req.retry ?? (req.method === 'POST' ? 'never' : 'safe');
        const maxAttempts = req.maxAttempts ?? this.deps.settings.maxAttempts;

        for (let attempt = 1; ; attempt++) {
            const outcome = await this.attempt(req);
            if (!(outcome instanceof OpenStackError)) return outcome;

            const delayMs = this.retryDelay(outcome, policy, attempt, maxAttempts);
            if (delayMs === undefined) throw this.finalError(outcome, policy);
            await this.deps.sleep(delayMs, req.signal);
        }
    }

    // The delay before the next attempt, or undefined when this failure is final.
    private retryDelay(err: OpenStackError, policy: RetryPolicy, attempt: number, max: number) {
        if (err.kind !== 'Transient' || attempt >= max) return undefined;
        if (policy === 'never' && mayHaveReached(err)) return undefined;

        const backoff = this.backoff(attempt);
        if (err.retryAfterSeconds === undefined) return backoff;
        const asked = err.retryAfterSeconds * 1000;
        return asked > this.deps.settings.maxRetryAfterMs ? undefined : Math.max(asked, backoff);
    }

    private backoff(attempt: number): number {
        const { backoffBaseMs, backoffMaxMs } = this.deps.settings;
        const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempt - 1));
        // Equal jitter: never less than half the step, so retries still spread out under load.
        return Math.round(ceiling / 2 + (this.deps.random() * ceiling) / 2);
    }

    private finalError(err: OpenStackError, policy: RetryPolicy): OpenStackError {
        return policy === 'never' && err.kind === 'Transient' && mayHaveReached(err)
            ? err.asAmbiguous()
            : err;
    }

    private async attempt(req: HttpRequest): Promise<HttpAnswer | OpenStackError> {
        const { clock, limiter, settings } = this.deps;
        const waitedMs = await limiter.acquire(req.priority ?? 'normal', req.signal);

        const started = clock.now();
        const timeout = AbortSignal.timeout(req.timeoutMs ?? settings.requestTimeoutMs);
        const signal = req.signal === undefined ? timeout : AbortSignal.any([timeout, req.signal]);
        const outcome = await this.exchange(req, signal);

        const code =
            outcome instanceof OpenStackError && outcome.status === 0 ? transportCode(outcome) : null;
        const requestId =
            outcome instanceof OpenStackError ? outcome.requestId : requestIdOf(outcome.headers);
        const seconds = (clock.now() - started) / 1000;
        this.observe(req, { code: code ?? String(outcome.status), seconds, waitedMs, requestId });
        return outcome;
    }

    private async exchange(req: HttpRequest, signal: AbortSignal): Promise<HttpAnswer | OpenStackError> {
        try {
            const res = await this.deps.fetch(req.url, {
                method: req.method,
                headers: headers(req),
                body: body(req),
                signal,
            });
            const text = await res.text();
            if (res.status >= 400) return errorFromResponse(req, res.status, res.headers, text);
            return { status: res.status, headers: res.headers, body: parseBody(text) };
        } catch (err) {
            if (req.signal?.aborted === true) throw req.signal.reason;
            return errorFromTransport(req, err);
        }
    }

    private observe(req: HttpRequest, attempt: AttemptFacts): void {
        const { service, operation } = req;
        const { code, seconds, requestId } = attempt;
        const priority = req.priority ?? 'normal';
        const throttleWaitSeconds = attempt.waitedMs / 1000;
        const event: CallEvent = { service, operation, code, seconds, priority, throttleWaitSeconds };
        if (requestId !== undefined) event.requestId = requestId;
        try {
            this.deps.observer?.onCall(event);
        } catch {
            // A metrics failure must never fail a cloud call.
        }
    }
}

/** What one attempt's observers are told besides the call itself. */
interface AttemptFacts {
    code: string;
    seconds: number;
    waitedMs: number;
    requestId: string | undefined;
}

/** One observer that tells each of `observers` in turn; one throwing does not keep the others from it. */
export function allObservers(...observers: CallObserver[]): CallObserver {
    return {
        onCall: (event) => {
            for (const observer of observers) {
                try {
                    observer.onCall(event);
                } catch {
                    // Observers must not throw; one that does is skipped, never the call failed.
                }
            }
        },
    };
}

// A refused connection never reached the service; anything else (reset, timeout, 5xx) may have.
function mayHaveReached(err: OpenStackError): boolean {
    if (err.status === 429) return false;
    return !err.serviceMessage.includes('ECONNREFUSED');
}

function transportCode(err: OpenStackError): string {
    return err.serviceMessage === 'timed out' ? 'timeout' : 'transport';
}

function headers(req: HttpRequest): Record<string, string> {
    const out: Record<string, string> = { Accept: 'application/json', ...req.headers };
    if (req.body !== undefined) out['Content-Type'] = 'application/json';
    if (req.token !== undefined) out['X-Auth-Token'] = req.token;
    return out;
}

function body(req: HttpRequest): string | undefined {
    return req.body === undefined ? undefined : JSON.stringify(req.body);
}

function parseBody(text: string): unknown {
    if (text === '') return undefined;
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return undefined;
    }
}
