// How Nova shows servers and flavors, by microversion and by who asks.
import { createHash } from 'node:crypto';

import type { Ctx } from '../router.ts';
import type { Flavor, Server } from '../state.ts';
import { microTime, novaTime } from '../wire.ts';

export function serverStatus(server: Server): string {
    if (server.deleted) {
        return 'DELETED';
    }
    switch (server.taskState) {
        case 'resize_prep':
        case 'resize_migrating':
        case 'resize_migrated':
        case 'resize_finish':
            return 'RESIZE';
        case 'resize_reverting':
            return 'REVERT_RESIZE';
        case 'migrating':
            return 'MIGRATING';
        case 'rebuilding':
        case 'rebuild_spawning':
            return 'REBUILD';
        default:
            break;
    }
    const byVmState: Record<string, string> = {
        building: 'BUILD',
        active: 'ACTIVE',
        stopped: 'SHUTOFF',
        shelved: 'SHELVED',
        shelved_offloaded: 'SHELVED_OFFLOADED',
        resized: 'VERIFY_RESIZE',
        error: 'ERROR',
        deleted: 'DELETED',
    };
    return byVmState[server.vmState] ?? 'UNKNOWN';
}

function links(ctx: Ctx, kind: string, id: string): unknown[] {
    return [
        { rel: 'self', href: `${ctx.serviceUrl}/v2.1/${kind}/${id}` },
        { rel: 'bookmark', href: `${ctx.serviceUrl}/${kind}/${id}` },
    ];
}

export function serverLinks(ctx: Ctx, id: string): unknown[] {
    return links(ctx, 'servers', id);
}

function flavorRef(ctx: Ctx, flavor: Flavor): unknown {
    if (ctx.microversion < 47) {
        return {
            id: flavor.id,
            links: [{ rel: 'bookmark', href: `${ctx.serviceUrl}/flavors/${flavor.id}` }],
        };
    }
    return {
        vcpus: flavor.vcpus,
        ram: flavor.ram,
        disk: flavor.disk,
        ephemeral: flavor.ephemeral,
        swap: flavor.swap,
        original_name: flavor.name,
        extra_specs: {},
    };
}

function addresses(ctx: Ctx, server: Server): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const port of server.ports) {
        const name = ctx.world.networks.get(port.networkId)?.name ?? port.networkId;
        (out[name] ??= []).push({
            version: 4,
            addr: port.ip,
            'OS-EXT-IPS:type': 'fixed',
            'OS-EXT-IPS-MAC:mac_addr': port.mac,
        });
    }
    return out;
}

/** Nova's hostId: a hash of project and host, so tenants can tell co-located servers apart without host names. */
function hostId(server: Server): string {
    return server.host === null
        ? ''
        : createHash('sha224')
              .update(server.projectId + server.host)
              .digest('hex');
}

export function serverDetail(ctx: Ctx, server: Server, admin: boolean): Record<string, unknown> {
    const v = ctx.microversion;
    const view: Record<string, unknown> = {
        id: server.id,
        name: server.name,
        status: serverStatus(server),
        tenant_id: server.projectId,
        user_id: server.userId,
        metadata: server.metadata,
        hostId: hostId(server),
        image: {
            id: server.imageId,
            links: [{ rel: 'bookmark', href: `${ctx.serviceUrl}/images/${server.imageId}` }],
        },
        flavor: flavorRef(ctx, server.flavor),
        created: novaTime(server.createdAt),
        updated: novaTime(server.updatedAt),
        addresses: addresses(ctx, server),
        accessIPv4: '',
        accessIPv6: '',
        links: serverLinks(ctx, server.id),
        'OS-DCF:diskConfig': 'MANUAL',
        progress: 0,
        'OS-EXT-AZ:availability_zone': server.host === null ? '' : server.availabilityZone,
        config_drive: '',
        key_name: server.keyName,
        'OS-SRV-USG:launched_at': server.launchedAt === null ? null : microTime(server.launchedAt),
        'OS-SRV-USG:terminated_at': server.terminatedAt === null ? null : microTime(server.terminatedAt),
        'OS-EXT-STS:task_state': server.taskState,
        'OS-EXT-STS:vm_state': server.vmState,
        'OS-EXT-STS:power_state': server.powerState,
        'os-extended-volumes:volumes_attached': [],
    };
    if (server.ports.length > 0) {
        view.security_groups = [{ name: 'default' }];
    }
    if (server.fault !== null && (server.vmState === 'error' || server.deleted)) {
        view.fault = faultView(server, admin);
    }

    addVersioned(view, server, v);
    if (admin) {
        addAdminOnly(view, server, v);
    }
    return view;
}

function faultView(server: Server, admin: boolean): unknown {
    const fault = server.fault;
    const view: Record<string, unknown> = {
        code: fault?.code,
        created: novaTime(fault?.created ?? 0),
        message: fault?.message,
    };
    if (admin) {
        view.details = 'Traceback (most recent call last): simulated';
    }
    return view;
}

function addVersioned(view: Record<string, unknown>, server: Server, v: number): void {
    if (v >= 9) {
        view.locked = server.locked;
    }
    if (v >= 73) {
        view.locked_reason = server.lockedReason;
    }
    if (v >= 19) {
        view.description = server.description;
    }
    if (v >= 26) {
        view.tags = [...server.tags];
    }
    if (v >= 63) {
        view.trusted_image_certificates = null;
    }
    if (v >= 90) {
        view['OS-EXT-SRV-ATTR:hostname'] = server.hostname;
    }
    if (v >= 71) {
        view.server_groups = [];
    }
}

function addAdminOnly(view: Record<string, unknown>, server: Server, v: number): void {
    view['OS-EXT-SRV-ATTR:host'] = server.host;
    view['OS-EXT-SRV-ATTR:instance_name'] = `instance-${server.seq.toString(16).padStart(8, '0')}`;
    view['OS-EXT-SRV-ATTR:hypervisor_hostname'] = server.host;
    if (v >= 3) {
        view['OS-EXT-SRV-ATTR:reservation_id'] = server.reservationId;
        view['OS-EXT-SRV-ATTR:launch_index'] = 0;
        view['OS-EXT-SRV-ATTR:kernel_id'] = '';
        view['OS-EXT-SRV-ATTR:ramdisk_id'] = '';
        view['OS-EXT-SRV-ATTR:root_device_name'] = '/dev/vda';
        view['OS-EXT-SRV-ATTR:hostname'] = server.hostname;
        // Real Nova hands user data back to admins, in listings too: secret scans must catch it.
        view['OS-EXT-SRV-ATTR:user_data'] = server.userData;
    }
    if (v >= 16) {
        view.host_status = server.host === null ? '' : 'UP';
    }
}

/** A record from a cell that does not answer (microversion 2.69 and later). */
export function unknownServer(ctx: Ctx, server: Server, detail: boolean): Record<string, unknown> {
    const view: Record<string, unknown> = {
        id: server.id,
        status: 'UNKNOWN',
        links: serverLinks(ctx, server.id),
    };
    if (detail) {
        view.created = novaTime(server.createdAt);
        view.tenant_id = server.projectId;
    }
    return view;
}

export function unknownServerShow(ctx: Ctx, server: Server): Record<string, unknown> {
    return {
        ...unknownServer(ctx, server, true),
        user_id: server.userId,
        flavor: flavorRef(ctx, server.flavor),
        image: { id: server.imageId },
        'OS-EXT-AZ:availability_zone': server.availabilityZone,
        'OS-EXT-STS:power_state': 0,
        server_groups: [],
    };
}

export function flavorView(ctx: Ctx, flavor: Flavor, detail: boolean): Record<string, unknown> {
    const view: Record<string, unknown> = {
        id: flavor.id,
        name: flavor.name,
        links: links(ctx, 'flavors', flavor.id),
    };
    if (ctx.microversion >= 55) {
        view.description = flavor.description;
    }
    if (!detail) {
        return view;
    }
    Object.assign(view, {
        ram: flavor.ram,
        disk: flavor.disk,
        swap: ctx.microversion >= 75 ? flavor.swap : flavor.swap === 0 ? '' : flavor.swap,
        'OS-FLV-EXT-DATA:ephemeral': flavor.ephemeral,
        'OS-FLV-DISABLED:disabled': false,
        vcpus: flavor.vcpus,
        'os-flavor-access:is_public': flavor.isPublic,
        rxtx_factor: 1.0,
    });
    if (ctx.microversion >= 61) {
        view.extra_specs = {};
    }
    return view;
}
