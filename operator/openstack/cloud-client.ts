import { realClock, type Clock } from '../runtime/clock.ts';
import type { Priority } from '../runtime/priority-picker.ts';
import { selectEndpoint } from './catalog.ts';
import type { CloudConfig } from './clouds.ts';
import { OpenStackError } from './errors.ts';
import { Transport, type CallObserver, type FetchLike, type HttpAnswer, type RetryPolicy } from './http.ts';
import { ADMIN, Identity, type Scope, type Session } from './identity.ts';
import { CloudRateLimiter } from './rate-limiter.ts';
import type { ClientSettings } from './settings.ts';
import { fetchForCloud } from './tls.ts';

/** The catalog service types Bascule calls. */
export type ServiceType = 'identity' | 'compute' | 'placement' | 'image' | 'network';

/** One call to a service, by path relative to its catalog endpoint. */
export interface CloudCall {
    service: ServiceType;
    /** A constant name for metrics, logs and errors (never an ID). */
    operation: string;
    method: string;
    /** Relative to the service's endpoint, starting with '/'; may carry a query string. */
    path: string;
    scope: Scope;
    body?: unknown;
    headers?: Record<string, string>;
    priority?: Priority;
    signal?: AbortSignal | undefined;
    retry?: RetryPolicy;
    timeoutMs?: number;
}

export interface CloudClientDeps {
    cloud: CloudConfig;
    settings: ClientSettings;
    clock?: Clock;
    fetch?: FetchLike;
    observer?: CallObserver;
    sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
    random?: () => number;
    /**
     * The runtime's leadership signal, read at each call (it is replaced when leadership is won
     * again): every call is aborted when it aborts, whether or not the caller passed its own signal.
     */
    leadership?: () => AbortSignal;
}

/**
 * The authenticated client of one cloud: every call carries the token of its scope, goes to the
 * catalog's endpoint for the cloud's region and interface, and passes through the cloud's rate limit
 * and retry policy. A 401 drops the token and the call is sent once more with a fresh one.
 */
export class CloudClient {
    readonly cloud: CloudConfig;
    readonly settings: ClientSettings;
    readonly identity: Identity;
    readonly limiter: CloudRateLimiter;
    /** The client's time source, for the caches of what it answers. */
    readonly clock: Clock;
    private readonly transport: Transport;
    private readonly leadership: (() => AbortSignal) | undefined;

    constructor(deps: CloudClientDeps) {
        const { cloud, settings, clock } = deps;
        this.cloud = cloud;
        this.settings = settings;
        this.clock = clock ?? realClock;
        this.limiter = new CloudRateLimiter(settings.rateLimitQps, settings.rateLimitBurst, this.clock);
        const fetch = deps.fetch ?? fetchForCloud(cloud);
        this.transport = new Transport({ ...deps, fetch, limiter: this.limiter });
        this.identity = new Identity(cloud, this.transport, settings, clock);
        this.leadership = deps.leadership;
    }

    /** Sends `call`; rejects with a classified OpenStackError, or the caller's abort reason. */
    async call(call: CloudCall): Promise<HttpAnswer> {
        const signal = this.withLeadership(call.signal);
        const session = await this.identity.session(call.scope, signal);
        try {
            return await this.send({ ...call, signal }, session);
        } catch (err) {
            if (!(err instanceof OpenStackError) || err.status !== 401) throw err;

            this.identity.invalidate(call.scope, session.token);
            return this.send({ ...call, signal }, await this.identity.session(call.scope, signal));
        }
    }

    /** The endpoint URL of `service` for this cloud's region and interface. */
    async endpoint(service: ServiceType, signal?: AbortSignal): Promise<string> {
        const session = await this.identity.session(ADMIN, this.withLeadership(signal));
        return selectEndpoint(session.catalog, service, this.cloud.regionName, this.cloud.interface);
    }

    // The caller's signal joined with the leadership one, so losing the lease stops every call.
    private withLeadership(signal: AbortSignal | undefined): AbortSignal | undefined {
        const leadership = this.leadership?.();
        if (leadership === undefined) return signal;
        return signal === undefined ? leadership : AbortSignal.any([signal, leadership]);
    }

    private send(call: CloudCall, session: Session): Promise<HttpAnswer> {
        const base = selectEndpoint(
            session.catalog,
            call.service,
            this.cloud.regionName,
            this.cloud.interface,
        );
        const { service, operation, method, body, headers, priority, signal, retry, timeoutMs } = call;
        return this.transport.send({
            ...{ service, operation, method, body, headers, priority, signal, retry, timeoutMs },
            url: `${base}${call.path}`,
            token: session.token,
        });
    }
}
