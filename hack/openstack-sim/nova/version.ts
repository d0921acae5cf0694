// Nova's version documents and microversion negotiation.
import type { Ctx } from '../router.ts';
import { header, novaError, type Reply } from '../wire.ts';

export const MIN_MINOR = 1;

export function maxMinor(ctx: Pick<Ctx, 'world'>): number {
    return Number(ctx.world.config.maxMicroversion.split('.')[1] ?? '1');
}

/**
 * The minor version asked for by either header (the service-qualified one wins, as in Nova),
 * `latest` meaning the maximum and no header the minimum. Outside the range is a 406.
 */
export function negotiate(ctx: Ctx): number {
    const generic = header(ctx.headers, 'openstack-api-version');
    const legacy = header(ctx.headers, 'x-openstack-nova-api-version');
    const fromGeneric = generic
        ?.split(',')
        .map((part) => part.trim().split(/\s+/))
        .find(([service]) => service === 'compute')?.[1];
    const asked = fromGeneric ?? legacy;
    const max = maxMinor(ctx);
    if (asked === undefined) {
        return MIN_MINOR;
    }
    if (asked === 'latest') {
        return max;
    }

    const match = /^2\.(\d+)$/.exec(asked);
    const minor = match === null ? NaN : Number(match[1]);
    if (Number.isNaN(minor)) {
        throw novaError(
            400,
            `API Version String ${asked} is of invalid format. Must be of format MajorNum.MinorNum.`,
        );
    }
    if (minor < MIN_MINOR || minor > max) {
        throw novaError(
            406,
            `Version ${asked} is not supported by the API. Minimum is 2.${MIN_MINOR} and maximum is 2.${max}.`,
        );
    }
    return minor;
}

export function versionHeaders(minor: number): Record<string, string> {
    return {
        'OpenStack-API-Version': `compute 2.${minor}`,
        'X-OpenStack-Nova-API-Version': `2.${minor}`,
        Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
    };
}

function v21(ctx: Ctx): Record<string, unknown> {
    return {
        id: 'v2.1',
        status: 'CURRENT',
        version: `2.${maxMinor(ctx)}`,
        min_version: `2.${MIN_MINOR}`,
        updated: '2013-07-23T11:33:21Z',
        links: [{ rel: 'self', href: `${ctx.serviceUrl}/v2.1/` }],
        'media-types': [
            { base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' },
        ],
    };
}

export function versions(ctx: Ctx): Reply {
    return { status: 200, body: { versions: [v21(ctx)] } };
}

export function version(ctx: Ctx): Reply {
    return { status: 200, body: { version: v21(ctx) } };
}
