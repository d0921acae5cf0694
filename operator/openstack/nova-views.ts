import { arr, bool, isRecord, num, obj, str, stringMap, strings } from './json.ts';

/**
 * A Nova server, allow-listed. Nothing else of Nova's answer leaves the client: user data
 * (OS-EXT-SRV-ATTR:user_data, returned to admins), adminPass, host names and the rest are dropped.
 */
export interface Server {
    id: string;
    name: string;
    /** ACTIVE, BUILD, SHUTOFF, SHELVED_OFFLOADED, ERROR, DELETED, UNKNOWN (a down cell), … */
    status: string;
    projectId: string;
    userId: string;
    taskState: string | undefined;
    vmState: string | undefined;
    flavor: { originalName: string; vcpus: number; ramMb: number; diskGb: number };
    imageId: string | undefined;
    availabilityZone: string | undefined;
    addresses: { network: string; addr: string; version: number }[];
    metadata: Record<string, string>;
    tags: string[];
    locked: boolean;
    lockedReason: string | undefined;
    fault: { code: number; message: string } | undefined;
    created: string;
    updated: string;
}

export interface Flavor {
    id: string;
    name: string;
    vcpus: number;
    ramMb: number;
    diskGb: number;
}

/** One quota resource as `os-quota-sets/{id}/detail` reports it. */
export interface QuotaUsage {
    limit: number;
    inUse: number;
    reserved: number;
}

export type QuotaDetail = Record<string, QuotaUsage>;

export function parseServer(value: unknown): Server {
    const s = isRecord(value) ? value : {};
    const flavor = obj(s, 'flavor');
    const fault = isRecord(s.fault) ? s.fault : undefined;
    return {
        id: str(s, 'id') ?? '',
        name: str(s, 'name') ?? '',
        status: str(s, 'status') ?? 'UNKNOWN',
        projectId: str(s, 'tenant_id') ?? '',
        userId: str(s, 'user_id') ?? '',
        taskState: str(s, 'OS-EXT-STS:task_state'),
        vmState: str(s, 'OS-EXT-STS:vm_state'),
        flavor: {
            originalName: str(flavor, 'original_name') ?? '',
            vcpus: num(flavor, 'vcpus') ?? 0,
            ramMb: num(flavor, 'ram') ?? 0,
            diskGb: num(flavor, 'disk') ?? 0,
        },
        imageId: str(obj(s, 'image'), 'id'),
        availabilityZone: str(s, 'OS-EXT-AZ:availability_zone'),
        addresses: parseAddresses(obj(s, 'addresses')),
        metadata: stringMap(s, 'metadata'),
        tags: strings(s, 'tags'),
        locked: bool(s, 'locked') ?? false,
        lockedReason: str(s, 'locked_reason'),
        fault:
            fault === undefined
                ? undefined
                : { code: num(fault, 'code') ?? 0, message: str(fault, 'message') ?? '' },
        created: str(s, 'created') ?? '',
        updated: str(s, 'updated') ?? '',
    };
}

function parseAddresses(addresses: Record<string, unknown>): Server['addresses'] {
    return Object.entries(addresses).flatMap(([network, list]) =>
        (Array.isArray(list) ? (list as unknown[]) : []).filter(isRecord).map((a) => ({
            network,
            addr: str(a, 'addr') ?? '',
            version: num(a, 'version') ?? 4,
        })),
    );
}

export function parseFlavor(value: unknown): Flavor {
    const f = isRecord(value) ? value : {};
    return {
        id: str(f, 'id') ?? '',
        name: str(f, 'name') ?? '',
        vcpus: num(f, 'vcpus') ?? 0,
        ramMb: num(f, 'ram') ?? 0,
        diskGb: num(f, 'disk') ?? 0,
    };
}

export function parseQuotaDetail(body: unknown): QuotaDetail {
    const set = obj(body, 'quota_set');
    const entries = Object.entries(set)
        .filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]))
        .map(([name, q]) => [
            name,
            { limit: num(q, 'limit') ?? 0, inUse: num(q, 'in_use') ?? 0, reserved: num(q, 'reserved') ?? 0 },
        ]);
    return Object.fromEntries(entries) as QuotaDetail;
}

/** The `next` link of a Nova listing, when there is another page. */
export function nextLink(body: unknown, key: string): string | undefined {
    const next = arr(body, key)
        .filter(isRecord)
        .find((l) => l.rel === 'next');
    return next === undefined ? undefined : str(next, 'href');
}
