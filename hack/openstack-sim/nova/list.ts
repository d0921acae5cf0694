// GET /servers and /servers/detail: filters, newest first, and marker pagination with servers_links.
import { isAdmin } from '../keystone/tokens.ts';
import type { Ctx } from '../router.ts';
import type { Server } from '../state.ts';
import { novaError, type Reply } from '../wire.ts';
import { policy } from './access.ts';
import { serverDetail, serverStatus, unknownServer } from './views.ts';

/** Nova's osapi_max_limit. */
const MAX_LIMIT = 1000;

type Filter = (server: Server) => boolean;

export function listServers(ctx: Ctx, detail: boolean): Reply {
    const admin = isAdmin(ctx);
    const candidates = candidateServers(ctx, admin);
    const filters = buildFilters(ctx, admin);
    const limit = parseLimit(ctx);
    const marker = ctx.query.get('marker');

    const down = downCell(ctx);
    if (ctx.microversion < 69) {
        filters.push((s) => !down(s));
    }
    const page = collectPage(candidates, filters, limit, marker);
    const views = page.map((s) => {
        if (down(s)) {
            return unknownServer(ctx, s, detail);
        }
        return detail ? serverDetail(ctx, s, admin) : { id: s.id, name: s.name, links: serverLinks(ctx, s) };
    });

    const body: Record<string, unknown> = { servers: views };
    const last = page[page.length - 1];
    if (last !== undefined && page.length === limit) {
        body.servers_links = [{ rel: 'next', href: nextHref(ctx, detail, limit, last.id) }];
    }
    return { status: 200, body };
}

function serverLinks(ctx: Ctx, s: Server): unknown[] {
    return [
        { rel: 'self', href: `${ctx.serviceUrl}/v2.1/servers/${s.id}` },
        { rel: 'bookmark', href: `${ctx.serviceUrl}/servers/${s.id}` },
    ];
}

/** The smallest set to scan, newest last: one tag's index, one project's list, or everything. */
function candidateServers(ctx: Ctx, admin: boolean): Server[] {
    const q = ctx.query;
    const allTenants =
        q.has('all_tenants') && q.get('all_tenants') !== 'false' && q.get('all_tenants') !== '0';
    if (allTenants && !admin) {
        policy(ctx, 'os_compute_api:servers:index:get_all_tenants');
    }

    const firstTag = q.get('tags')?.split(',')[0];
    if (firstTag !== undefined) {
        return [...(ctx.world.serversByTag.get(firstTag) ?? [])].sort((a, b) => a.seq - b.seq);
    }
    const project = admin ? (q.get('project_id') ?? q.get('tenant_id')) : null;
    if (allTenants && project === null) {
        return ctx.world.serverOrder;
    }
    return ctx.world.serversByProject.get(project ?? ctx.token?.projectId ?? '') ?? [];
}

function buildFilters(ctx: Ctx, admin: boolean): Filter[] {
    const q = ctx.query;
    const filters: Filter[] = [];
    const allTenants = admin && q.has('all_tenants');
    const projectId = admin ? (q.get('project_id') ?? q.get('tenant_id')) : ctx.token?.projectId;
    if (projectId !== undefined && projectId !== null) {
        filters.push((s) => s.projectId === projectId);
    } else if (!allTenants) {
        filters.push((s) => s.projectId === ctx.token?.projectId);
    }

    const since = parseTime(q, 'changes-since');
    const before = parseTime(q, 'changes-before');
    // Without changes-since a listing hides deleted servers; with it, they come back as DELETED.
    if (since === undefined && !(admin && q.get('deleted') === 'true')) {
        filters.push((s) => !s.deleted);
    }
    if (since !== undefined) {
        filters.push((s) => Math.floor(s.updatedAt / 1000) * 1000 >= since);
    }
    if (before !== undefined) {
        filters.push((s) => Math.floor(s.updatedAt / 1000) * 1000 <= before);
    }

    addValueFilters(ctx, filters, admin);
    addTagFilters(ctx, filters);
    return filters;
}

function addValueFilters(ctx: Ctx, filters: Filter[], admin: boolean): void {
    const q = ctx.query;
    const name = q.get('name');
    if (name !== null) {
        const pattern = safeRegExp(name);
        filters.push((s) => pattern.test(s.name));
    }
    const status = q.get('status')?.toUpperCase();
    if (status !== undefined) {
        filters.push((s) => serverStatus(s) === status);
    }
    const equal: [string, (s: Server) => string | null][] = [
        ['flavor', (s) => s.flavor.id],
        ['image', (s) => s.imageId],
        ['key_name', (s) => s.keyName],
        ['availability_zone', (s) => s.availabilityZone],
        ['user_id', (s) => s.userId],
        ['vm_state', (s) => s.vmState],
        ['task_state', (s) => s.taskState],
    ];
    if (admin) {
        equal.push(['host', (s) => s.host]);
    }
    for (const [param, read] of equal) {
        const wanted = q.get(param);
        if (wanted !== null) {
            filters.push((s) => read(s) === wanted);
        }
    }
    const locked = q.get('locked');
    if (locked !== null && ctx.microversion >= 73) {
        filters.push((s) => s.locked === (locked.toLowerCase() === 'true'));
    }
}

function addTagFilters(ctx: Ctx, filters: Filter[]): void {
    const list = (param: string) => ctx.query.get(param)?.split(',');
    const all = list('tags');
    const any = list('tags-any');
    const notAll = list('not-tags');
    const notAny = list('not-tags-any');
    if (all !== undefined) {
        filters.push((s) => all.every((t) => s.tags.has(t)));
    }
    if (any !== undefined) {
        filters.push((s) => any.some((t) => s.tags.has(t)));
    }
    if (notAll !== undefined) {
        filters.push((s) => !notAll.every((t) => s.tags.has(t)));
    }
    if (notAny !== undefined) {
        filters.push((s) => !notAny.some((t) => s.tags.has(t)));
    }
}

/** Walks newest first, skipping up to the marker, and stops once the page is full. */
function collectPage(
    candidates: Server[],
    filters: Filter[],
    limit: number,
    marker: string | null,
): Server[] {
    const page: Server[] = [];
    let seeking = marker !== null;
    for (let i = candidates.length - 1; i >= 0 && page.length < limit; i--) {
        const s = candidates[i];
        if (s === undefined) {
            continue;
        }
        if (seeking) {
            seeking = s.id !== marker;
            continue;
        }
        if (filters.every((f) => f(s))) {
            page.push(s);
        }
    }
    if (seeking) {
        throw novaError(400, `marker [${String(marker)}] not found`);
    }
    return page;
}

function parseLimit(ctx: Ctx): number {
    const raw = ctx.query.get('limit');
    if (raw === null) {
        return MAX_LIMIT;
    }
    if (!/^\d+$/.test(raw)) {
        throw novaError(
            400,
            `Invalid input for query parameters limit. Value: ${raw}. '${raw}' does not match '^[0-9]*$'`,
        );
    }
    return Math.min(Number(raw), MAX_LIMIT);
}

function parseTime(q: URLSearchParams, param: string): number | undefined {
    const raw = q.get(param);
    if (raw === null) {
        return undefined;
    }
    const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(raw) ? raw : `${raw}Z`);
    if (Number.isNaN(ms)) {
        throw novaError(
            400,
            `Invalid input for query parameters ${param}. Value: ${raw}. '${raw}' is not a 'date-time'`,
        );
    }
    return ms;
}

function safeRegExp(text: string): RegExp {
    try {
        return new RegExp(text);
    } catch {
        return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    }
}

function nextHref(ctx: Ctx, detail: boolean, limit: number, marker: string): string {
    const params = new URLSearchParams(ctx.query);
    params.set('limit', String(limit));
    params.set('marker', marker);
    return `${ctx.serviceUrl}/v2.1/servers${detail ? '/detail' : ''}?${params.toString()}`;
}

/** Which records a down-cell fault turns into UNKNOWN ones (hidden below microversion 2.69). */
export function downCell(ctx: Ctx): (s: Server) => boolean {
    const rule = ctx.effects.find((e) => e.kind === 'downCell');
    if (rule === undefined) {
        return () => false;
    }
    const ids = rule.serverIds;
    return (s) => ids === undefined || ids.includes(s.id);
}
