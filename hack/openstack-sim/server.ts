// The HTTP server: one port, a path prefix per service, faults and the call log around every request.
import {
    createServer,
    type IncomingMessage,
    type Server as HttpServer,
    type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { handleAdmin } from './admin.ts';
import { CallLog } from './call-log.ts';
import type { SimConfig } from './config.ts';
import { FaultTable, type FaultAction } from './faults.ts';
import * as glance from './glance.ts';
import * as keystone from './keystone/routes.ts';
import { authenticate } from './keystone/tokens.ts';
import * as neutron from './neutron.ts';
import * as nova from './nova/routes.ts';
import * as placement from './placement.ts';
import type { Ctx } from './router.ts';
import { seedWorld } from './seed.ts';
import type { World } from './state.ts';
import { header, HttpError, isRecord, newRequestId, serviceError, type Reply } from './wire.ts';

interface Service {
    handle: (ctx: Ctx) => Reply;
    isPublic: (ctx: Ctx) => boolean;
}

const SERVICES: Record<string, Service> = {
    identity: { handle: keystone.handleIdentity, isPublic: keystone.isPublic },
    compute: { handle: nova.handleCompute, isPublic: nova.isPublic },
    placement: { handle: placement.handlePlacement, isPublic: placement.isPublic },
    image: { handle: glance.handleImage, isPublic: glance.isPublic },
    network: { handle: neutron.handleNetwork, isPublic: neutron.isPublic },
};

export interface Simulator {
    /** The base address, e.g. http://127.0.0.1:8774; Keystone is at `${url}/identity/v3`. */
    url: string;
    port: number;
    world: World;
    faults: FaultTable;
    calls: CallLog;
    stop: () => Promise<void>;
}

export async function startSimulator(config: SimConfig): Promise<Simulator> {
    const world = seedWorld(config);
    const faults = new FaultTable(world.random, config.faults);
    const calls = new CallLog();
    const sockets = new Set<Socket>();
    const deps = { world, faults, calls, baseUrl: '' };

    const http = createServer((req, res) => {
        void onRequest(deps, req, res);
    });
    http.keepAliveTimeout = 30_000;
    http.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
    });
    await listen(http, config.host, config.port);

    const port = (http.address() as AddressInfo).port;
    deps.baseUrl =
        config.publicUrl !== '' ? config.publicUrl.replace(/\/$/, '') : `http://${config.host}:${port}`;
    const stop = () => stopServer(http, sockets, world);
    return { url: deps.baseUrl, port, world, faults, calls, stop };
}

function listen(http: HttpServer, host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
            resolve();
        });
    });
}

function stopServer(http: HttpServer, sockets: Set<Socket>, world: World): Promise<void> {
    world.stopTimers();
    for (const socket of sockets) {
        socket.destroy();
    }
    return new Promise((resolve) =>
        http.close(() => {
            resolve();
        }),
    );
}

interface Deps {
    world: World;
    faults: FaultTable;
    calls: CallLog;
    baseUrl: string;
}

async function onRequest(deps: Deps, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    const requestId = newRequestId(deps.world.random);

    if (url.pathname.startsWith('/_sim')) {
        write(res, handleAdmin(deps, method, url.pathname, url.searchParams, parseJson(raw)), requestId);
        return;
    }

    const [, service = '', ...rest] = url.pathname.split('/');
    const ctx: Ctx = {
        world: deps.world,
        service,
        method,
        path: `/${rest.join('/')}`,
        query: url.searchParams,
        body: parseJson(raw),
        headers: req.headers,
        requestId,
        serviceUrl: `${deps.baseUrl}/${service}`,
        baseUrl: deps.baseUrl,
        token: undefined,
        microversion: 0,
        effects: [],
    };
    const actions = deps.faults.draw({ service, method, path: ctx.path });
    ctx.effects = actions;
    await applyFaults(deps, ctx, req, res, actions);
}

/** Faults decide whether, when and how the request is answered; the work itself is in `answer`. */
async function applyFaults(
    deps: Deps,
    ctx: Ctx,
    req: IncomingMessage,
    res: ServerResponse,
    actions: FaultAction[],
): Promise<void> {
    const kinds = actions.map((a) => a.kind);
    for (const action of actions) {
        if (action.kind === 'delay' || action.kind === 'commitAfter') {
            await sleep(action.ms);
        }
    }

    const terminal = actions.find(
        (a) => a.kind === 'error' || a.kind === 'rateLimit' || a.kind === 'drop' || a.kind === 'timeout',
    );
    if (terminal?.kind === 'timeout') {
        log(deps, ctx, 0, kinds);
        return;
    }
    if (terminal?.kind === 'drop') {
        log(deps, ctx, 0, kinds);
        req.socket.destroy();
        return;
    }
    if (terminal?.kind === 'error') {
        const reply = serviceError(
            ctx.service,
            terminal.status,
            terminal.message ?? 'Simulated failure.',
        ).reply;
        finish(deps, ctx, res, reply, kinds);
        return;
    }
    if (terminal?.kind === 'rateLimit') {
        const reply = serviceError(ctx.service, 429, 'Rate limit exceeded. Please try again later.').reply;
        finish(
            deps,
            ctx,
            res,
            { ...reply, headers: { 'Retry-After': String(terminal.retryAfterSeconds) } },
            kinds,
        );
        return;
    }

    const reply = answer(ctx);
    if (kinds.includes('lostResponse')) {
        log(deps, ctx, reply.status, kinds);
        req.socket.destroy();
        return;
    }
    finish(deps, ctx, res, reply, kinds);
}

function answer(ctx: Ctx): Reply {
    const service = SERVICES[ctx.service];
    if (service === undefined) {
        return {
            status: 404,
            body: { error: { code: 404, message: `No service at /${ctx.service}`, title: 'Not Found' } },
        };
    }
    try {
        if (!service.isPublic(ctx)) {
            ctx.token = authenticate(ctx.world, header(ctx.headers, 'x-auth-token'));
        }
        return service.handle(ctx);
    } catch (error) {
        if (error instanceof HttpError) {
            return error.reply;
        }
        const message = `Unexpected API Error. ${(error as Error).stack ?? String(error)}`;
        return serviceError(ctx.service, 500, message).reply;
    }
}

function finish(deps: Deps, ctx: Ctx, res: ServerResponse, reply: Reply, faults: string[]): void {
    log(deps, ctx, reply.status, faults);
    // Nova also names the request ID in its own header, which novaclient prints in its errors.
    const extra: Record<string, string> =
        ctx.service === 'compute' ? { 'x-compute-request-id': ctx.requestId } : {};
    write(res, { ...reply, headers: { ...extra, ...reply.headers } }, ctx.requestId);
}

function log(deps: Deps, ctx: Ctx, status: number, faults: string[]): void {
    const create =
        ctx.service === 'compute' && ctx.method === 'POST' && /^\/v2\.1\/servers\/?$/.test(ctx.path);
    const server = create && isRecord(ctx.body) && isRecord(ctx.body.server) ? ctx.body.server : undefined;
    const isAction =
        ctx.service === 'compute' &&
        ctx.method === 'POST' &&
        /^\/v2\.1\/servers\/[^/]+\/action$/.test(ctx.path);
    const action = isAction && isRecord(ctx.body) ? Object.keys(ctx.body)[0] : undefined;
    deps.calls.add({
        at: new Date().toISOString(),
        service: ctx.service,
        method: ctx.method,
        path: ctx.path,
        query: ctx.query.toString(),
        status,
        requestId: ctx.requestId,
        projectId: ctx.token?.projectId ?? null,
        userId: ctx.token?.userId ?? null,
        ...(server === undefined
            ? {}
            : {
                  serverName: String(server.name),
                  tags: Array.isArray(server.tags) ? server.tags.map(String) : [],
              }),
        ...(action === undefined ? {} : { action }),
        faults,
    });
}

function write(res: ServerResponse, reply: Reply, requestId: string): void {
    if (res.destroyed) {
        return;
    }
    const headers: Record<string, string> = { 'x-openstack-request-id': requestId, ...reply.headers };
    let payload = '';
    if (typeof reply.body === 'string') {
        headers['Content-Type'] ??= 'text/html; charset=UTF-8';
        payload = reply.body;
    } else if (reply.body !== undefined) {
        headers['Content-Type'] ??= 'application/json';
        payload = JSON.stringify(reply.body);
    }
    headers['Content-Length'] = String(Buffer.byteLength(payload));
    res.writeHead(reply.status, headers);
    res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
            resolve(Buffer.concat(chunks).toString('utf8'));
        });
        req.on('error', () => {
            resolve('');
        });
    });
}

function parseJson(raw: string): unknown {
    if (raw.trim() === '') {
        return undefined;
    }
    try {
        return JSON.parse(raw) as unknown;
    } catch {
        return { __invalid_json__: raw };
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
