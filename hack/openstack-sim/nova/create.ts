// POST /servers: validation, quota, ports, and the record that then builds in the background.
import { allocatePorts, checkPortQuota, resolveNetworks } from '../neutron.ts';
import type { FaultAction } from '../faults.ts';
import type { Ctx } from '../router.ts';
import type { Flavor, Server } from '../state.ts';
import { isRecord, novaError, requireObject, text, type Reply } from '../wire.ts';
import { build } from './lifecycle.ts';
import { checkQuota } from './quota.ts';
import { serverLinks } from './views.ts';

function invalid(body: unknown, detail: string): never {
    throw novaError(
        400,
        `Invalid input for field/attribute server. Value: ${JSON.stringify(body)}. ${detail}`,
    );
}

interface CreateRequest {
    name: string;
    flavor: Flavor;
    imageId: string;
    networks: string[];
    count: number;
    given: Record<string, unknown>;
}

function parse(ctx: Ctx): CreateRequest {
    const given = requireObject(ctx.body, 'server', (m) => novaError(400, m));
    if (typeof given.name !== 'string' || given.name.trim() === '') {
        invalid(given, "'name' is a required property");
    }
    const flavor = ctx.world.flavors.get(text(given.flavorRef));
    if (flavor === undefined) {
        throw novaError(400, `Flavor ${text(given.flavorRef)} could not be found.`);
    }
    const imageId = text(given.imageRef ?? '');
    if (!ctx.world.images.has(imageId)) {
        throw novaError(400, `Image ${imageId} could not be found.`);
    }
    if (given.networks === undefined && ctx.microversion >= 37) {
        invalid(given, "'networks' is a required property");
    }
    if (given.tags !== undefined && ctx.microversion < 52) {
        invalid(given, "Additional properties are not allowed ('tags' was unexpected)");
    }

    const networks = resolveNetworks(ctx, given.networks);
    const count = typeof given.min_count === 'number' ? Math.max(1, given.min_count) : 1;
    return { name: given.name, flavor, imageId, networks, count, given };
}

export function createServer(ctx: Ctx): Reply {
    const request = parse(ctx);
    const projectId = ctx.token?.projectId ?? '';
    const { flavor, count } = request;

    checkQuota(ctx.world, projectId, {
        instances: count,
        cores: count * flavor.vcpus,
        ram: count * flavor.ram,
    });
    checkPortQuota(ctx.world, projectId, count * request.networks.length);
    checkAvailabilityZone(request.given);

    const reservationId = `r-${ctx.world.random.hex(8)}`;
    const servers = Array.from({ length: count }, (_, i) => newServer(ctx, request, reservationId, i));
    const first = servers[0];
    if (request.given.return_reservation_id === true || first === undefined) {
        return { status: 202, body: { reservation_id: reservationId } };
    }

    const view: Record<string, unknown> = {
        id: first.id,
        links: serverLinks(ctx, first.id),
        'OS-DCF:diskConfig': 'MANUAL',
        security_groups: [{ name: 'default' }],
        adminPass: ctx.world.random.password(12),
    };
    return {
        status: 202,
        body: { server: view },
        headers: { Location: `${ctx.serviceUrl}/v2.1/servers/${first.id}` },
    };
}

function checkAvailabilityZone(given: Record<string, unknown>): void {
    const zone = given.availability_zone;
    if (typeof zone === 'string' && zone !== '' && zone.split(':')[0] !== 'nova') {
        throw novaError(400, 'The requested availability zone is not available');
    }
}

function newServer(ctx: Ctx, request: CreateRequest, reservationId: string, index: number): Server {
    const world = ctx.world;
    const { given } = request;
    const now = Date.now();
    const name = request.count > 1 ? `${request.name}-${index + 1}` : request.name;
    const server: Server = {
        id: world.random.uuid(),
        seq: ++world.serverSeq,
        name,
        projectId: ctx.token?.projectId ?? '',
        userId: ctx.token?.userId ?? '',
        flavor: request.flavor,
        oldFlavor: null,
        imageId: request.imageId,
        vmState: 'building',
        taskState: 'scheduling',
        powerState: 0,
        wasStopped: false,
        host: null,
        createdAt: now,
        updatedAt: now,
        launchedAt: null,
        terminatedAt: null,
        metadata: isRecord(given.metadata) ? stringMap(given.metadata) : {},
        tags: new Set(Array.isArray(given.tags) ? given.tags.map(String) : []),
        keyName: typeof given.key_name === 'string' ? given.key_name : null,
        userData: typeof given.user_data === 'string' ? given.user_data : null,
        availabilityZone: 'nova',
        hostname: name
            .toLowerCase()
            .replace(/[^a-z0-9-]/g, '-')
            .slice(0, 63),
        description: typeof given.description === 'string' ? given.description : null,
        locked: false,
        lockedReason: null,
        lockedBy: null,
        fault: null,
        failBuild: buildFault(ctx.effects),
        reservationId,
        ports: [],
        deleted: false,
    };
    if (server.keyName !== null && !world.keypairs.has(`${server.userId}/${server.keyName}`)) {
        throw novaError(400, `Invalid key_name provided.`);
    }

    server.ports = allocatePorts(world, server, request.networks);
    world.addServer(server);
    const usage = world.usageOf(server.projectId);
    usage.instances++;
    usage.cores += request.flavor.vcpus;
    usage.ram += request.flavor.ram;
    build(world, server);
    return server;
}

function stringMap(value: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

/** The build failure a fault rule asked for at create: its message ('' for the default), or null. */
function buildFault(effects: readonly FaultAction[]): string | null {
    const found = effects.find((e) => e.kind === 'buildFailure');
    return found === undefined ? null : (found.message ?? '');
}
