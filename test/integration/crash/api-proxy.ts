// A plain-HTTP proxy in front of the local API server, so a test can make one kind of write fail.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

import { KubeConfig } from '@kubernetes/client-node';

/** What happens to a matching write: refused with a 500 (not applied), or applied with its answer lost. */
export type WriteFault = 'refuse' | 'loseAnswer';

export interface ApiProxy {
    /** The same cluster and user, reached through the proxy. */
    kubeConfig: KubeConfig;
    /** The next `count` status writes of `name` that record a server ID fail as `fault`. */
    failServerRecord(name: string, count: number, fault: WriteFault): void;
    /** Status writes that carried a server ID, by object name, failed or not. */
    recordWrites(name: string): { failed: number; passed: number };
    stop(): Promise<void>;
}

interface Rule {
    name: string;
    left: number;
    fault: WriteFault;
}

export async function startApiProxy(kc: KubeConfig): Promise<ApiProxy> {
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (cluster === null || user === null) throw new Error('kubeconfig has no current cluster or user');
    const target = new URL(cluster.server);
    const ca = cluster.caFile !== undefined ? readFileSync(cluster.caFile) : undefined;
    const rules: Rule[] = [];
    const writes = new Map<string, { failed: number; passed: number }>();
    const sockets = new Set<Socket>();

    const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer | undefined) => {
        const upstream = request(
            {
                host: target.hostname,
                port: target.port,
                method: req.method,
                path: req.url,
                headers: { ...req.headers, host: target.host },
                ...(ca ? { ca } : {}),
            },
            (answer) => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(res);
            },
        );
        upstream.on('error', () => res.destroy());
        // A client gone (a watch ended) ends the upstream call too.
        res.on('close', () => {
            if (!res.writableFinished) upstream.destroy();
        });
        if (body === undefined) req.pipe(upstream);
        else upstream.end(body);
        return upstream;
    };

    const http = createServer((req, res) => {
        const status = /\/virtualmachines\/([^/?]+)\/status(\?|$)/.exec(req.url ?? '');
        if (req.method !== 'PUT' || status === null) {
            forward(req, res, undefined);
            return;
        }
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
            const body = Buffer.concat(chunks);
            const name = decodeURIComponent(status[1] ?? '');
            const records = /"serverID"\s*:/.test(body.toString());
            const rule = records ? rules.find((r) => r.name === name && r.left > 0) : undefined;
            if (records) {
                const count = writes.get(name) ?? { failed: 0, passed: 0 };
                if (rule) count.failed++;
                else count.passed++;
                writes.set(name, count);
            }
            if (rule === undefined) {
                forward(req, res, body);
                return;
            }
            rule.left--;
            if (rule.fault === 'refuse') {
                const failure = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 500 };
                res.writeHead(500, { 'Content-Type': 'application/json' });
                res.end(JSON.stringify({ ...failure, reason: 'InternalError', message: 'injected' }));
                return;
            }
            // Applied by the API server; the answer never reaches the operator.
            const upstream = forward(req, res, body);
            upstream.on('response', () => res.socket?.destroy());
        });
    });
    http.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
    const { port } = http.address() as AddressInfo;

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
        clusters: [{ name: 'proxy', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
        users: [{ name: 'proxy', ...(user.token ? { token: user.token } : {}) }],
        contexts: [{ name: 'proxy', cluster: 'proxy', user: 'proxy' }],
        currentContext: 'proxy',
    });
    return {
        kubeConfig,
        failServerRecord: (name, count, fault) => rules.push({ name, left: count, fault }),
        recordWrites: (name) => ({ ...(writes.get(name) ?? { failed: 0, passed: 0 }) }),
        stop: async () => {
            for (const socket of sockets) socket.destroy();
            await new Promise((ok) => http.close(ok));
        },
    };
}
