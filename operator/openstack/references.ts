import { AnswerCache } from './answer-cache.ts';
import type { CloudClient, ServiceType } from './cloud-client.ts';
import { OpenStackError } from './errors.ts';
import { scopeKey, type Scope } from './identity.ts';
import { arr, isRecord, obj, str } from './json.ts';

/** A Glance image or Neutron network as a reconciler needs it. */
export interface Reference {
    id: string;
    name: string;
}

/** Port quota and usage of one project. */
export interface PortQuota {
    limit: number;
    used: number;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * Resolves images (Glance) and networks (Neutron) by name or ID with the tenant's token, so the
 * services' own visibility rules apply. A name that matches several is an Invalid error listing the
 * candidates (`AmbiguousName`); none is NotFound. What a lookup finds is reused per project and
 * reference for the client's reference cache age, and looked up again at once on a miss.
 */
export class References {
    private readonly client: CloudClient;
    /** What each lookup matched, by scope, kind and reference. */
    private readonly found: AnswerCache<Reference[]>;

    constructor(client: CloudClient) {
        this.client = client;
        this.found = new AnswerCache(client.clock, client.settings);
    }

    image(scope: Scope, ref: string, signal?: AbortSignal): Promise<Reference> {
        return this.resolve(
            { service: 'image', kind: 'image', path: '/v2/images', key: 'images' },
            scope,
            ref,
            signal,
        );
    }

    network(scope: Scope, ref: string, signal?: AbortSignal): Promise<Reference> {
        const what = {
            service: 'network',
            kind: 'network',
            path: '/v2.0/networks',
            key: 'networks',
        } as const;
        return this.resolve(what, scope, ref, signal);
    }

    /** Neutron's port limit and usage for `projectId` (admin). */
    async portQuota(scope: Scope, projectId: string, signal?: AbortSignal): Promise<PortQuota> {
        const path = `/v2.0/quotas/${encodeURIComponent(projectId)}/details.json`;
        const answer = await this.client.call({
            service: 'network',
            operation: 'getPortQuota',
            method: 'GET',
            path,
            scope,
            signal,
        });
        const port = obj(obj(answer.body, 'quota'), 'port');
        return { limit: numberOf(port.limit), used: numberOf(port.used) };
    }

    private async resolve(what: Lookup, scope: Scope, ref: string, signal?: AbortSignal): Promise<Reference> {
        const key = `${scopeKey(scope)} ${what.kind} ${ref}`;
        const found = await this.found.find(
            key,
            () => this.lookup(what, scope, ref),
            (r) => r,
            signal,
        );
        if (found.length === 1 && found[0] !== undefined) return found[0];
        throw unresolved(what, ref, found);
    }

    /** Every visible image or network `ref` names or identifies. */
    private async lookup(what: Lookup, scope: Scope, ref: string): Promise<Reference[]> {
        const filter = UUID.test(ref) ? 'id' : 'name';
        const path = `${what.path}?${filter}=${encodeURIComponent(ref)}`;
        const operation = `find${what.kind === 'image' ? 'Image' : 'Network'}`;
        const answer = await this.client.call({
            service: what.service,
            operation,
            method: 'GET',
            path,
            scope,
        });
        return arr(answer.body, what.key)
            .filter(isRecord)
            .map((r) => ({ id: str(r, 'id') ?? '', name: str(r, 'name') ?? '' }))
            .filter((r) => r.id === ref || r.name === ref);
    }
}

interface Lookup {
    service: ServiceType;
    kind: 'image' | 'network';
    path: string;
    key: string;
}

function unresolved(what: Lookup, ref: string, found: Reference[]): OpenStackError {
    const many = found.length > 1;
    const candidates = found.map((r) => r.id).join(', ');
    return new OpenStackError({
        service: what.service,
        operation: `find${what.kind === 'image' ? 'Image' : 'Network'}`,
        kind: many ? 'Invalid' : 'NotFound',
        status: 0,
        requestId: undefined,
        serviceMessage: many
            ? `AmbiguousName: ${found.length} ${what.kind}s are named "${ref}": ${candidates}`
            : `no ${what.kind} "${ref}" is visible to the project`,
    });
}

function numberOf(value: unknown): number {
    return typeof value === 'number' ? value : 0;
}
