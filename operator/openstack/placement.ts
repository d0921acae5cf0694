import type { CloudClient } from './cloud-client.ts';
import { ADMIN } from './identity.ts';
import { arr, isRecord, num, obj, str } from './json.ts';

/** A resource provider (a compute host), allow-listed. */
export interface ResourceProvider {
    uuid: string;
    name: string;
}

/** Capacity of one resource class on one provider: what the scheduler may place, and what is used. */
export interface ClassCapacity {
    capacity: number;
    used: number;
}

export type ProviderCapacity = Record<string, ClassCapacity>;

/** How many servers of one size fit, summed host by host, and on how many hosts. */
export interface CandidateFit {
    machines: number;
    providers: number;
}

/** Placement's microversion for member_of and allocation candidates' shape used here. */
const PLACEMENT_VERSION = 'placement 1.29';

/**
 * Placement's read-only calls, with the admin token: providers (optionally in aggregates), their
 * inventories and usages as capacity per resource class, and allocation candidates.
 */
export class Placement {
    private readonly client: CloudClient;

    constructor(client: CloudClient) {
        this.client = client;
    }

    /** Providers, in any of `aggregates` when given (member_of=in:…). */
    async providers(aggregates: string[] = [], signal?: AbortSignal): Promise<ResourceProvider[]> {
        const query = aggregates.length === 0 ? '' : `?member_of=in:${aggregates.join(',')}`;
        const body = await this.get('listResourceProviders', `/resource_providers${query}`, signal);
        return arr(body, 'resource_providers')
            .filter(isRecord)
            .map((p) => ({ uuid: str(p, 'uuid') ?? '', name: str(p, 'name') ?? '' }));
    }

    /** Capacity ((total − reserved) × allocation ratio) and usage per resource class of one provider. */
    async capacity(uuid: string, signal?: AbortSignal): Promise<ProviderCapacity> {
        const id = encodeURIComponent(uuid);
        const inventories = obj(
            await this.get('getInventories', `/resource_providers/${id}/inventories`, signal),
            'inventories',
        );
        const usages = obj(await this.get('getUsages', `/resource_providers/${id}/usages`, signal), 'usages');

        const out: ProviderCapacity = {};
        for (const [resourceClass, inv] of Object.entries(inventories)) {
            if (!isRecord(inv)) continue;
            const total = (num(inv, 'total') ?? 0) - (num(inv, 'reserved') ?? 0);
            const capacity = Math.floor(total * (num(inv, 'allocation_ratio') ?? 1));
            out[resourceClass] = { capacity, used: num(usages, resourceClass) ?? 0 };
        }
        return out;
    }

    /** How many providers could take `resources` (e.g. {VCPU: 2, MEMORY_MB: 4096}) right now. */
    async candidateCount(
        resources: Record<string, number>,
        limit = 1000,
        signal?: AbortSignal,
    ): Promise<number> {
        const wanted = Object.entries(resources)
            .map(([k, v]) => `${k}:${v}`)
            .join(',');
        const query = new URLSearchParams({ resources: wanted, limit: String(limit) });
        const body = await this.get(
            'listAllocationCandidates',
            `/allocation_candidates?${query.toString()}`,
            signal,
        );
        return arr(body, 'allocation_requests').length;
    }

    /**
     * How many whole `resources` (one server's worth, such as {VCPU: 2, MEMORY_MB: 4096}) fit right
     * now, host by host, from the allocation candidates' provider summaries: the freed capacity as
     * Placement sees it, and the check that a flavor fits somewhere before creating.
     */
    async fits(resources: Record<string, number>, signal?: AbortSignal): Promise<CandidateFit> {
        const wanted = Object.entries(resources).filter(([, amount]) => amount > 0);
        const query = wanted.map(([k, v]) => `${k}:${v}`).join(',');
        const body = await this.get(
            'listAllocationCandidates',
            `/allocation_candidates?resources=${encodeURIComponent(query)}`,
            signal,
        );

        let machines = 0;
        const summaries = Object.values(obj(body, 'provider_summaries')).filter(isRecord);
        for (const summary of summaries) {
            const classes = obj(summary, 'resources');
            const perClass = wanted.map(([rc, amount]) => {
                const inv = obj(classes, rc);
                const free = (num(inv, 'capacity') ?? 0) - (num(inv, 'used') ?? 0);
                return Math.floor(free / amount);
            });
            machines += Math.max(0, Math.min(...perClass));
        }
        return { machines, providers: summaries.length };
    }

    private async get(operation: string, path: string, signal?: AbortSignal): Promise<unknown> {
        const headers = { 'OpenStack-API-Version': PLACEMENT_VERSION };
        const answer = await this.client.call({
            service: 'placement',
            operation,
            method: 'GET',
            path,
            scope: ADMIN,
            headers,
            signal,
        });
        return answer.body;
    }
}
