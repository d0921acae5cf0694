import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Registry } from 'prom-client';

import type { BindAddress } from './config.ts';

/** A named probe check: returns undefined when healthy, else a short reason. */
export type Check = () => string | undefined;

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** Routes for /metrics from a registry. */
export function metricsRoutes(registry: Registry): Map<string, Handler> {
    return new Map([
        [
            '/metrics',
            async (_req, res) => {
                const body = await registry.metrics();
                res.writeHead(200, { 'Content-Type': registry.contentType }).end(body);
            },
        ],
    ]);
}

/**
 * Routes for /healthz (liveness) and /readyz (readiness). Each answers 200 `ok` when every check
 * passes, else 503 with one line per failing check, as kube-apiserver's own probes do.
 */
export function probeRoutes(
    liveness: Map<string, Check>,
    readiness: Map<string, Check>,
): Map<string, Handler> {
    return new Map<string, Handler>([
        [
            '/healthz',
            (_req, res) => {
                answerChecks(res, liveness);
            },
        ],
        [
            '/readyz',
            (_req, res) => {
                answerChecks(res, readiness);
            },
        ],
    ]);
}

function answerChecks(res: ServerResponse, checks: Map<string, Check>): void {
    const failures: string[] = [];
    for (const [name, check] of checks) {
        const reason = check();
        if (reason !== undefined) failures.push(`[-]${name} failed: ${reason}`);
    }
    const status = failures.length === 0 ? 200 : 503;
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(
        failures.length === 0 ? 'ok\n' : `${failures.join('\n')}\n`,
    );
}

/** Serves `routes` on `bind`; resolves once listening. Unknown paths get 404, other methods 405. */
export async function listen(bind: BindAddress, routes: Map<string, Handler>): Promise<Server> {
    const server = createServer((req, res) => {
        const handler = routes.get(new URL(req.url ?? '/', 'http://localhost').pathname);
        if (handler === undefined) {
            res.writeHead(404).end();
            return;
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') {
            res.writeHead(405).end();
            return;
        }
        Promise.resolve(handler(req, res)).catch(() => res.writeHead(500).end());
    });

    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(bind.port, bind.host === '' ? undefined : bind.host, () => {
            server.off('error', reject);
            resolve();
        });
    });
    return server;
}

/** The port a listening server got (useful when it was asked for port 0). */
export function boundPort(server: Server): number {
    return (server.address() as AddressInfo).port;
}

/** Stops accepting connections and closes idle ones; resolves when the server has closed. */
export async function close(server: Server): Promise<void> {
    const closed = new Promise<void>((resolve) =>
        server.close(() => {
            resolve();
        }),
    );
    server.closeIdleConnections();
    await closed;
}
