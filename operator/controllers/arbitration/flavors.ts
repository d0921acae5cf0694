import { ADMIN } from '../../openstack/identity.ts';
import type { Flavor } from '../../openstack/nova-views.ts';
import type { Nova } from '../../openstack/nova.ts';
import type { Resources } from '../shared/resources.ts';
import type { NameOrId } from '../virtualmachine/types.ts';

/**
 * Flavor sizes by name and ID, listed as admin and kept: flavors change rarely, so the list is read
 * again only when a reference is unknown, at most once per `refreshMs`.
 */
export class FlavorCatalog {
    private readonly nova: Pick<Nova, 'listFlavors'>;
    private readonly now: () => number;
    private readonly refreshMs: number;
    private byRef = new Map<string, Flavor>();
    private listedAtMs = -Infinity;
    private listing: Promise<void> | undefined;

    constructor(nova: Pick<Nova, 'listFlavors'>, now: () => number, refreshMs: number) {
        this.nova = nova;
        this.now = now;
        this.refreshMs = refreshMs;
    }

    /** One server of the flavor (1 instance, its vCPUs and RAM), or undefined while unknown. */
    size(ref: NameOrId): Resources | undefined {
        const flavor = this.find(ref);
        return flavor === undefined ? undefined : { instances: 1, cores: flavor.vcpus, ramMiB: flavor.ramMb };
    }

    /** The flavor's Placement resources (for allocation candidates), or undefined while unknown. */
    resources(ref: NameOrId): Record<string, number> | undefined {
        const flavor = this.find(ref);
        if (flavor === undefined) return undefined;
        return { VCPU: flavor.vcpus, MEMORY_MB: flavor.ramMb, DISK_GB: flavor.diskGb };
    }

    /** Lists flavors again when `refs` name one not known yet (and the last list is old enough). */
    async learn(refs: readonly NameOrId[], signal: AbortSignal): Promise<void> {
        if (refs.every((ref) => this.find(ref) !== undefined)) return;
        if (this.now() - this.listedAtMs < this.refreshMs) return;
        this.listing ??= this.list(signal).finally(() => {
            this.listing = undefined;
        });
        await this.listing;
    }

    private find(ref: NameOrId): Flavor | undefined {
        if (ref.id !== undefined) return this.byRef.get(`id:${ref.id}`);
        if (ref.name !== undefined) return this.byRef.get(`name:${ref.name}`);
        return undefined;
    }

    private async list(signal: AbortSignal): Promise<void> {
        const flavors = await this.nova.listFlavors(ADMIN, { signal });
        const byRef = new Map<string, Flavor>();
        for (const flavor of flavors) {
            byRef.set(`id:${flavor.id}`, flavor);
            byRef.set(`name:${flavor.name}`, flavor);
        }
        this.byRef = byRef;
        this.listedAtMs = this.now();
    }
}
