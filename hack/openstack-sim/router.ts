// A small method-and-pattern router; each service declares its routes as a table.
import type { IncomingHttpHeaders } from 'node:http';

import type { FaultAction } from './faults.ts';
import type { Token, World } from './state.ts';
import type { HttpError, Reply } from './wire.ts';

/** One request as a handler sees it. */
export interface Ctx {
    world: World;
    service: string;
    method: string;
    /** The path under the service's prefix, e.g. /v2.1/servers/detail. */
    path: string;
    query: URLSearchParams;
    body: unknown;
    headers: IncomingHttpHeaders;
    requestId: string;
    /** Where the service is reached, e.g. http://127.0.0.1:8774/compute. */
    serviceUrl: string;
    baseUrl: string;
    token: Token | undefined;
    /** The negotiated minor microversion (Nova 2.x, Placement 1.x). */
    microversion: number;
    /** Faults that shape the answer rather than replace it (build failures, down cells). */
    effects: FaultAction[];
}

export type Handler = (ctx: Ctx, params: string[]) => Reply;

export interface Route {
    method: string;
    pattern: RegExp;
    handler: Handler;
}

export function route(method: string, pattern: string, handler: Handler): Route {
    const source = pattern.replace(/\{[a-z_]+\}/g, '([^/]+)');
    return { method, pattern: new RegExp(`^${source}/?$`), handler };
}

/** Finds the handler; a known path with another method is a 405, an unknown path a 404. */
export function dispatch(routes: Route[], ctx: Ctx, notFound: (status: number) => HttpError): Reply {
    let pathKnown = false;
    for (const r of routes) {
        const match = r.pattern.exec(ctx.path);
        if (match === null) {
            continue;
        }
        pathKnown = true;
        if (r.method === ctx.method || (r.method === 'GET' && ctx.method === 'HEAD')) {
            return r.handler(ctx, match.slice(1).map(decodeURIComponent));
        }
    }
    throw notFound(pathKnown ? 405 : 404);
}
