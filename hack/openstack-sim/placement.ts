// Placement: resource providers, inventories, usages, aggregates, allocations and allocation candidates.
import { isAdmin } from './keystone/tokens.ts';
import { dispatch, route, type Ctx, type Route } from './router.ts';
import { fits, inAggregates, RESOURCE_CLASSES } from './scheduler.ts';
import type { Host, Resources } from './state.ts';
import { header, isRecord, placementError, type Reply } from './wire.ts';

const MAX_MINOR = 39;

function providerView(ctx: Ctx, h: Host): unknown {
    const self = `/resource_providers/${h.uuid}`;
    return {
        uuid: h.uuid,
        name: h.name,
        generation: h.generation,
        parent_provider_uuid: null,
        root_provider_uuid: h.uuid,
        links: [
            { rel: 'self', href: self },
            { rel: 'inventories', href: `${self}/inventories` },
            { rel: 'usages', href: `${self}/usages` },
            { rel: 'aggregates', href: `${self}/aggregates` },
            { rel: 'allocations', href: `${self}/allocations` },
        ],
    };
}

/** member_of=a,b means any of them; the parameter may repeat, each one required (AND). */
function memberOfGroups(ctx: Ctx): string[][] {
    return ctx.query.getAll('member_of').map((v) => v.replace(/^in:/, '').split(','));
}

function provider(ctx: Ctx, uuid: string): Host {
    const host = ctx.world.hostsByUuid.get(uuid);
    if (host === undefined) {
        throw placementError(404, `No resource provider with uuid ${uuid} found`, ctx.requestId);
    }
    return host;
}

function listProviders(ctx: Ctx): Reply {
    const q = ctx.query;
    const groups = memberOfGroups(ctx);
    const wanted = q.has('resources') ? parseResources(ctx, q.get('resources') ?? '') : undefined;
    const hosts = ctx.world.hosts.filter(
        (h) =>
            (!q.has('name') || h.name === q.get('name')) &&
            (!q.has('uuid') || h.uuid === q.get('uuid')) &&
            groups.every((g) => inAggregates(h, g)) &&
            (wanted === undefined || fits(h, wanted)),
    );
    return { status: 200, body: { resource_providers: hosts.map((h) => providerView(ctx, h)) } };
}

function showProvider(ctx: Ctx, [uuid = '']: string[]): Reply {
    return { status: 200, body: providerView(ctx, provider(ctx, uuid)) };
}

function inventoryOf(h: Host): Record<string, unknown> {
    const ratio = (rc: string) => (rc === 'VCPU' ? h.cpuAllocationRatio : 1);
    const out: Record<string, unknown> = {};
    for (const rc of RESOURCE_CLASSES) {
        const total = Math.round(h.capacity[rc] / ratio(rc));
        out[rc] = {
            total,
            reserved: 0,
            min_unit: 1,
            max_unit: total,
            step_size: 1,
            allocation_ratio: ratio(rc),
        };
    }
    return out;
}

function showInventories(ctx: Ctx, [uuid = '']: string[]): Reply {
    const h = provider(ctx, uuid);
    return { status: 200, body: { inventories: inventoryOf(h), resource_provider_generation: h.generation } };
}

function showUsages(ctx: Ctx, [uuid = '']: string[]): Reply {
    const h = provider(ctx, uuid);
    return { status: 200, body: { usages: { ...h.used }, resource_provider_generation: h.generation } };
}

function showAggregates(ctx: Ctx, [uuid = '']: string[]): Reply {
    const h = provider(ctx, uuid);
    return { status: 200, body: { aggregates: h.aggregates, resource_provider_generation: h.generation } };
}

function setAggregates(ctx: Ctx, [uuid = '']: string[]): Reply {
    requireAdmin(ctx);
    const h = provider(ctx, uuid);
    const body = isRecord(ctx.body) ? ctx.body : {};
    if (
        body.resource_provider_generation !== undefined &&
        body.resource_provider_generation !== h.generation
    ) {
        throw placementError(
            409,
            `Resource provider's generation already changed. Please update the generation and try again.`,
            ctx.requestId,
        );
    }
    h.aggregates = Array.isArray(body.aggregates) ? body.aggregates.map(String) : [];
    h.generation++;
    return showAggregates(ctx, [uuid]);
}

function providerAllocations(ctx: Ctx, [uuid = '']: string[]): Reply {
    const h = provider(ctx, uuid);
    const allocations: Record<string, unknown> = {};
    for (const [consumer, list] of ctx.world.allocations) {
        for (const a of list) {
            if (a.hostUuid === h.uuid) {
                allocations[consumer] = { resources: a.resources };
            }
        }
    }
    return { status: 200, body: { allocations, resource_provider_generation: h.generation } };
}

function consumerAllocations(ctx: Ctx, [consumer = '']: string[]): Reply {
    const list = ctx.world.allocations.get(consumer) ?? [];
    const allocations: Record<string, unknown> = {};
    for (const a of list) {
        const h = ctx.world.hostsByUuid.get(a.hostUuid);
        allocations[a.hostUuid] = { resources: a.resources, generation: h?.generation ?? 0 };
    }
    const first = list[0];
    const owner =
        first === undefined
            ? {}
            : { project_id: first.projectId, user_id: first.userId, consumer_generation: first.generation };
    return { status: 200, body: { allocations, ...owner } };
}

function projectUsages(ctx: Ctx): Reply {
    const projectId = ctx.query.get('project_id');
    if (projectId === null) {
        throw placementError(400, "'project_id' is a required property", ctx.requestId);
    }
    const usage = ctx.world.placementUsage.get(projectId) ?? { VCPU: 0, MEMORY_MB: 0, DISK_GB: 0 };
    return { status: 200, body: { usages: { ...usage } } };
}

function parseResources(ctx: Ctx, text: string): Resources {
    const wanted: Resources = { VCPU: 0, MEMORY_MB: 0, DISK_GB: 0 };
    for (const part of text.split(',')) {
        const [rc = '', amount = ''] = part.split(':');
        if (!(RESOURCE_CLASSES as readonly string[]).includes(rc) || !/^\d+$/.test(amount)) {
            throw placementError(400, `Invalid resources query string parameter: ${text}`, ctx.requestId);
        }
        wanted[rc as keyof Resources] = Number(amount);
    }
    return wanted;
}

/** Every host that fits the request and is in the aggregates asked for, with its capacity and usage. */
function allocationCandidates(ctx: Ctx): Reply {
    const wanted = parseResources(ctx, ctx.query.get('resources') ?? '');
    const groups = memberOfGroups(ctx);
    const limit = Number(ctx.query.get('limit') ?? Infinity);
    const hosts = ctx.world.hosts
        .filter((h) => fits(h, wanted) && groups.every((g) => inAggregates(h, g)))
        .slice(0, limit);

    const requested = Object.fromEntries(
        RESOURCE_CLASSES.filter((rc) => wanted[rc] > 0).map((rc) => [rc, wanted[rc]]),
    );
    const allocationRequests = hosts.map((h) => ({ allocations: { [h.uuid]: { resources: requested } } }));
    const summaries: Record<string, unknown> = {};
    for (const h of hosts) {
        const resources = Object.fromEntries(
            RESOURCE_CLASSES.map((rc) => [rc, { capacity: h.capacity[rc], used: h.used[rc] }]),
        );
        summaries[h.uuid] = { resources, traits: [], parent_provider_uuid: null, root_provider_uuid: h.uuid };
    }
    return { status: 200, body: { allocation_requests: allocationRequests, provider_summaries: summaries } };
}

function requireAdmin(ctx: Ctx): void {
    if (!isAdmin(ctx)) {
        throw placementError(403, 'Access was denied to this resource.', ctx.requestId);
    }
}

const ROUTES: Route[] = [
    route('GET', '/resource_providers', listProviders),
    route('GET', '/resource_providers/{id}', showProvider),
    route('GET', '/resource_providers/{id}/inventories', showInventories),
    route('GET', '/resource_providers/{id}/usages', showUsages),
    route('GET', '/resource_providers/{id}/aggregates', showAggregates),
    route('PUT', '/resource_providers/{id}/aggregates', setAggregates),
    route('GET', '/resource_providers/{id}/allocations', providerAllocations),
    route('GET', '/allocations/{id}', consumerAllocations),
    route('GET', '/usages', projectUsages),
    route('GET', '/allocation_candidates', allocationCandidates),
];

function negotiate(ctx: Ctx): number {
    const asked = header(ctx.headers, 'openstack-api-version')?.match(/placement\s+(\S+)/)?.[1];
    if (asked === undefined) {
        return 0;
    }
    const minor = asked === 'latest' ? MAX_MINOR : Number(/^1\.(\d+)$/.exec(asked)?.[1] ?? NaN);
    if (Number.isNaN(minor) || minor > MAX_MINOR) {
        throw placementError(406, `Unacceptable version header: ${asked}`, ctx.requestId);
    }
    return minor;
}

export function handlePlacement(ctx: Ctx): Reply {
    if (ctx.path === '/' || ctx.path === '') {
        const links = [{ rel: 'self', href: '' }];
        return {
            status: 200,
            body: {
                versions: [
                    {
                        id: 'v1.0',
                        max_version: `1.${MAX_MINOR}`,
                        min_version: '1.0',
                        status: 'CURRENT',
                        links,
                    },
                ],
            },
        };
    }
    requireAdmin(ctx);
    ctx.microversion = negotiate(ctx);
    const reply = dispatch(ROUTES, ctx, (status) =>
        placementError(status, 'The resource could not be found.', ctx.requestId),
    );
    const headers = {
        'OpenStack-API-Version': `placement 1.${ctx.microversion}`,
        Vary: 'openstack-api-version',
    };
    return { ...reply, headers: { ...headers, ...reply.headers } };
}

export function isPublic(ctx: Ctx): boolean {
    return ctx.path === '/' || ctx.path === '';
}
