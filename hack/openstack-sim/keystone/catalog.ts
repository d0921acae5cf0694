// The service catalog: every service under one address, with public, internal and admin interfaces.
import type { Ctx } from '../router.ts';

/** Service type, name and path prefix; the compute and identity entries carry their version. */
export const SERVICES: { type: string; name: string; path: string }[] = [
    { type: 'identity', name: 'keystone', path: '/identity/v3/' },
    { type: 'compute', name: 'nova', path: '/compute/v2.1' },
    { type: 'placement', name: 'placement', path: '/placement' },
    { type: 'image', name: 'glance', path: '/image' },
    { type: 'network', name: 'neutron', path: '/network' },
];

const INTERFACES = ['public', 'internal', 'admin'];

export function catalog(ctx: Ctx): unknown[] {
    const region = ctx.world.config.region;
    return SERVICES.map((service, s) => ({
        endpoints: INTERFACES.map((iface, i) => ({
            id: `${(s * 10 + i).toString(16).padStart(4, '0')}${'e'.repeat(28)}`,
            interface: iface,
            region_id: region,
            url: `${ctx.baseUrl}${service.path}`,
            region,
        })),
        id: `${s.toString(16).padStart(4, '0')}${'5'.repeat(28)}`,
        type: service.type,
        name: service.name,
    }));
}
