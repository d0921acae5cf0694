// The simulator's own endpoint, /_sim: fault rules, the call log and a few counts. No token needed.
import type { CallLog } from './call-log.ts';
import type { FaultRule, FaultTable } from './faults.ts';
import { serverStatus } from './nova/views.ts';
import type { World } from './state.ts';
import { isRecord, type Reply } from './wire.ts';

export interface AdminDeps {
    world: World;
    faults: FaultTable;
    calls: CallLog;
}

export function handleAdmin(
    deps: AdminDeps,
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
): Reply {
    const key = `${method} ${path.replace(/\/$/, '')}`;
    if (key === 'GET /_sim/health') {
        return { status: 200, body: { ok: true } };
    }
    if (key === 'GET /_sim/faults') {
        return { status: 200, body: { rules: deps.faults.list() } };
    }
    if (key === 'POST /_sim/faults') {
        return addFaults(deps, body);
    }
    if (key === 'DELETE /_sim/faults') {
        deps.faults.clear();
        return { status: 204 };
    }
    const ruleId = /^DELETE \/_sim\/faults\/([^/]+)$/.exec(key)?.[1];
    if (ruleId !== undefined) {
        return deps.faults.remove(ruleId)
            ? { status: 204 }
            : { status: 404, body: { error: `no rule ${ruleId}` } };
    }
    if (key === 'GET /_sim/calls') {
        return readCalls(deps, query);
    }
    if (key === 'DELETE /_sim/calls') {
        deps.calls.clear();
        return { status: 204 };
    }
    if (key === 'GET /_sim/stats') {
        return { status: 200, body: stats(deps.world) };
    }
    return { status: 404, body: { error: `unknown simulator endpoint ${key}` } };
}

function addFaults(deps: AdminDeps, body: unknown): Reply {
    const rules =
        isRecord(body) && Array.isArray(body.rules) ? (body.rules as FaultRule[]) : [body as FaultRule];
    try {
        return { status: 201, body: { rules: rules.map((r) => deps.faults.add(r)) } };
    } catch (error) {
        return { status: 400, body: { error: (error as Error).message } };
    }
}

function readCalls(deps: AdminDeps, query: URLSearchParams): Reply {
    const filter = {
        service: query.get('service') ?? undefined,
        method: query.get('method') ?? undefined,
        path: query.get('path') ?? undefined,
        tag: query.get('tag') ?? undefined,
    };
    const calls = deps.calls.find(filter);
    return { status: 200, body: { count: calls.length, calls } };
}

function stats(world: World): unknown {
    const byStatus: Record<string, number> = {};
    for (const server of world.servers.values()) {
        const status = serverStatus(server);
        byStatus[status] = (byStatus[status] ?? 0) + 1;
    }
    const used = { VCPU: 0, MEMORY_MB: 0 };
    for (const host of world.hosts) {
        used.VCPU += host.used.VCPU;
        used.MEMORY_MB += host.used.MEMORY_MB;
    }
    return { servers: byStatus, hosts: world.hosts.length, used, timers: world.timers.size };
}
