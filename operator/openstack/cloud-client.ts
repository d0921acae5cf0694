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
    private readonly transport: Transport;

    constructor(deps: CloudClientDeps) {
        const { cloud, settings, clock } = deps;
        this.cloud = cloud;
        this.settings = settings;
        this.limiter = new CloudRateLimiter(
            settings.rateLimitQps,
            settings.rateLimitBurst,
            clock ?? realClock,
        );
        const fetch = deps.fetch ?? fetchForCloud(cloud);
        this.transport = new Transport({ ...deps, fetch, limiter: this.limiter });
        this.identity = new Identity(cloud, this.transport, settings.tokenRenewMarginMs, clock);
    }

    /** Sends `call`; rejects with a classified OpenStackError, or the caller's abort reason. */
    async call(call: CloudCall): Promise<HttpAnswer> {
        const session = await this.identity.session(call.scope, call.signal);
        try {
            return await this.send(call, session);
        } catch (err) {
            if (!(err instanceof OpenStackError) || err.status !== 401) throw err;

            this.identity.invalidate(call.scope, session.token);
            return this.send(call, await this.identity.session(call.scope, call.signal));
        }
    }

    /** The endpoint URL of `service` for this cloud's region and interface. */
    async endpoint(service: ServiceType, signal?: AbortSignal): Promise<string> {
        const session = await this.identity.session(ADMIN, signal);
        return selectEndpoint(session.catalog, service, this.cloud.regionName, this.cloud.interface);
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
