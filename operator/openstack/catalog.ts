import { OpenStackError } from './errors.ts';
import { arr, isRecord, str } from './json.ts';

/** One service of Keystone's catalog, allow-listed. */
export interface CatalogService {
    type: string;
    endpoints: { interface: string; region: string | undefined; url: string }[];
}

/** Parses the `catalog` of a token body; malformed entries are dropped. */
export function parseCatalog(token: Record<string, unknown>): CatalogService[] {
    return arr(token, 'catalog')
        .filter(isRecord)
        .map((service) => ({
            type: str(service, 'type') ?? '',
            endpoints: arr(service, 'endpoints')
                .filter(isRecord)
                .map((e) => ({
                    interface: str(e, 'interface') ?? '',
                    region: str(e, 'region_id') ?? str(e, 'region'),
                    url: (str(e, 'url') ?? '').replace(/\/+$/, ''),
                })),
        }));
}

/**
 * The URL of `type` for `region` (any region when undefined) and `iface`, without a trailing slash.
 * Throws an Invalid OpenStackError naming what is missing: a cloud without it cannot be served.
 */
export function selectEndpoint(
    catalog: CatalogService[],
    type: string,
    region: string | undefined,
    iface: string,
): string {
    const endpoints = catalog.filter((s) => s.type === type).flatMap((s) => s.endpoints);
    const match = endpoints.find(
        (e) => e.interface === iface && (region === undefined || e.region === region),
    );
    if (match !== undefined && match.url !== '') return match.url;

    const where = `interface ${iface}${region === undefined ? '' : `, region ${region}`}`;
    throw new OpenStackError({
        service: 'identity',
        operation: 'selectEndpoint',
        kind: 'Invalid',
        status: 0,
        requestId: undefined,
        serviceMessage: `the catalog has no ${type} endpoint for ${where}`,
    });
}
