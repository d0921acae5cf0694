// Neutron, just enough: networks by name and ID, ports per server, and the port quota.
import { isAdmin } from './keystone/tokens.ts';
import { dispatch, route, type Ctx, type Route } from './router.ts';
import type { Network, Port, Server, World } from './state.ts';
import { DEFAULT_PORT_QUOTA } from './state.ts';
import { isRecord, neutronError, novaError, text, type Reply } from './wire.ts';

function visible(ctx: Ctx, n: Network): boolean {
    return n.shared || isAdmin(ctx) || n.projectId === ctx.token?.projectId;
}

/** The network IDs a create asks for: none, auto (the first visible network), or explicit UUIDs. */
export function resolveNetworks(ctx: Ctx, asked: unknown): string[] {
    if (asked === undefined || asked === 'none') {
        return [];
    }
    if (asked === 'auto') {
        const first = [...ctx.world.networks.values()].find((n) => visible(ctx, n));
        if (first === undefined) {
            throw novaError(400, 'Unable to automatically allocate a network for project');
        }
        return [first.id];
    }
    if (!Array.isArray(asked)) {
        throw novaError(400, `Invalid input for field/attribute networks. Value: ${JSON.stringify(asked)}.`);
    }
    return asked.map((entry) => {
        const id = isRecord(entry) ? text(entry.uuid ?? '') : '';
        const network = ctx.world.networks.get(id);
        if (network === undefined || !visible(ctx, network)) {
            throw novaError(400, `Network ${id} could not be found.`);
        }
        return id;
    });
}

export function portCount(world: World, projectId: string): number {
    let count = 0;
    for (const port of world.ports.values()) {
        if (port.projectId === projectId) {
            count++;
        }
    }
    return count;
}

/** Nova asks Neutron before it builds: a networked server needs a port per network. */
export function checkPortQuota(world: World, projectId: string, wanted: number): void {
    const limit = world.portQuotas.get(projectId) ?? DEFAULT_PORT_QUOTA;
    if (wanted > 0 && limit >= 0 && portCount(world, projectId) + wanted > limit) {
        throw novaError(403, 'Maximum number of ports exceeded');
    }
}

export function allocatePorts(world: World, server: Server, networkIds: string[]): Port[] {
    return networkIds.map((networkId) => {
        const n = world.ports.size + 2;
        const port: Port = {
            id: world.random.uuid(),
            networkId,
            projectId: server.projectId,
            deviceId: server.id,
            mac: `fa:16:3e:${world.random.hex(6).replace(/(..)(?=.)/g, '$1:')}`,
            ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
        };
        world.ports.set(port.id, port);
        return port;
    });
}

function networkView(n: Network): unknown {
    return {
        id: n.id,
        name: n.name,
        tenant_id: n.projectId,
        project_id: n.projectId,
        shared: n.shared,
        status: 'ACTIVE',
        admin_state_up: true,
        subnets: [],
        'router:external': false,
        mtu: 1450,
        tags: [],
    };
}

function listNetworks(ctx: Ctx): Reply {
    const q = ctx.query;
    const networks = [...ctx.world.networks.values()].filter(
        (n) =>
            visible(ctx, n) &&
            (!q.has('name') || n.name === q.get('name')) &&
            (!q.has('id') || n.id === q.get('id')),
    );
    return { status: 200, body: { networks: networks.map(networkView) } };
}

function showNetwork(ctx: Ctx, [id = '']: string[]): Reply {
    const network = ctx.world.networks.get(id);
    if (network === undefined || !visible(ctx, network)) {
        throw neutronError(404, 'NetworkNotFound', `Network ${id} could not be found.`);
    }
    return { status: 200, body: { network: networkView(network) } };
}

function listPorts(ctx: Ctx): Reply {
    const q = ctx.query;
    const project = isAdmin(ctx) ? (q.get('project_id') ?? q.get('tenant_id')) : (ctx.token?.projectId ?? '');
    const ports = [...ctx.world.ports.values()].filter(
        (p) =>
            (project === null || p.projectId === project) &&
            (!q.has('device_id') || p.deviceId === q.get('device_id')),
    );
    const views = ports.map((p) => ({
        id: p.id,
        network_id: p.networkId,
        project_id: p.projectId,
        tenant_id: p.projectId,
        device_id: p.deviceId,
        device_owner: 'compute:nova',
        mac_address: p.mac,
        fixed_ips: [{ ip_address: p.ip }],
        status: 'ACTIVE',
    }));
    return { status: 200, body: { ports: views } };
}

const QUOTA_DEFAULTS = {
    network: 100,
    subnet: 100,
    router: 10,
    floatingip: 50,
    security_group: 10,
    security_group_rule: 100,
    rbac_policy: 10,
    subnetpool: -1,
};

function showQuota(ctx: Ctx, [projectId = '']: string[]): Reply {
    const port = ctx.world.portQuotas.get(projectId) ?? DEFAULT_PORT_QUOTA;
    return { status: 200, body: { quota: { ...QUOTA_DEFAULTS, port } } };
}

function showQuotaDetails(ctx: Ctx, [projectId = '']: string[]): Reply {
    const detail: Record<string, unknown> = {};
    for (const [key, limit] of Object.entries(QUOTA_DEFAULTS)) {
        detail[key] = { limit, used: 0, reserved: 0 };
    }
    const limit = ctx.world.portQuotas.get(projectId) ?? DEFAULT_PORT_QUOTA;
    detail.port = { limit, used: portCount(ctx.world, projectId), reserved: 0 };
    return { status: 200, body: { quota: detail } };
}

function updateQuota(ctx: Ctx, [projectId = '']: string[]): Reply {
    if (!isAdmin(ctx)) {
        throw neutronError(403, 'HTTPForbidden', 'rule:update_quota is disallowed by policy');
    }
    const given = isRecord(ctx.body) && isRecord(ctx.body.quota) ? ctx.body.quota : {};
    if (given.port !== undefined) {
        ctx.world.portQuotas.set(projectId, Number(given.port));
    }
    return showQuota(ctx, [projectId]);
}

const ROUTES: Route[] = [
    route('GET', '/v2.0/networks', listNetworks),
    route('GET', '/v2.0/networks/{id}', showNetwork),
    route('GET', '/v2.0/ports', listPorts),
    route('GET', '/v2.0/quotas/{id}', showQuota),
    route('PUT', '/v2.0/quotas/{id}', updateQuota),
    route('GET', '/v2.0/quotas/{id}/details.json', showQuotaDetails),
    route('GET', '/v2.0/quotas/{id}/details', showQuotaDetails),
];

export function handleNetwork(ctx: Ctx): Reply {
    if (ctx.path === '/' || ctx.path === '') {
        const links = [{ href: `${ctx.serviceUrl}/v2.0/`, rel: 'self' }];
        return { status: 200, body: { versions: [{ id: 'v2.0', status: 'CURRENT', links }] } };
    }
    const path = ctx.path.replace(/\.json$/, '');
    return dispatch(ROUTES, { ...ctx, path: path.endsWith('/details') ? ctx.path : path }, (status) =>
        neutronError(status, 'HTTPNotFound', 'The resource could not be found.'),
    );
}

export function isPublic(ctx: Ctx): boolean {
    return ctx.path === '/' || ctx.path === '';
}
