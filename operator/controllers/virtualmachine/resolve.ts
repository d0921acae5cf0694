import type { Scope } from '../../openstack/identity.ts';
import type { CloudApi } from '../shared/deps.ts';
import { terminalOutcome, type Outcome } from '../shared/outcome.ts';
import type { NameOrId, VirtualMachine } from './types.ts';

/** Flavor, image and network IDs a create needs, resolved with the tenant's token. */
export interface Resolved {
    flavorId: string;
    flavorName: string;
    imageId: string;
    networkIds: string[];
}

/**
 * The flavor `ref` names, from the project's flavor list as the client caches it; a name matching
 * several is terminal, listing them.
 */
export async function resolveFlavor(
    cloud: CloudApi,
    scope: Scope,
    ref: NameOrId,
    signal: AbortSignal,
): Promise<{ id: string; name: string } | Outcome> {
    const found = await cloud.nova.findFlavors(scope, ref, { signal });
    const [only] = found;
    if (found.length > 1) {
        const ids = found.map((f) => f.id).join(', ');
        return terminalOutcome('AmbiguousName', `flavor "${ref.name ?? ''}" matches ${ids}`);
    }
    if (only === undefined) {
        return terminalOutcome('UnknownReference', `no flavor "${ref.id ?? ref.name ?? ''}" is visible`);
    }
    return { id: only.id, name: only.name };
}

/** Everything a create references; unknown or ambiguous names are terminal outcomes. */
export async function resolveAll(
    cloud: CloudApi,
    scope: Scope,
    vm: VirtualMachine,
    signal: AbortSignal,
): Promise<Resolved | Outcome> {
    const flavor = await resolveFlavor(cloud, scope, vm.spec.flavor, signal);
    if ('state' in flavor) return flavor;

    const image = await cloud.references.image(scope, refOf(vm.spec.image), signal);
    const networks = await Promise.all(
        (vm.spec.networks ?? []).map((n) => cloud.references.network(scope, refOf(n), signal)),
    );
    return {
        flavorId: flavor.id,
        flavorName: flavor.name,
        imageId: image.id,
        networkIds: networks.map((n) => n.id),
    };
}

function refOf(ref: NameOrId): string {
    return ref.id ?? ref.name ?? '';
}
