import type { Controller } from '../../runtime/controller.ts';
import type { KubeObject } from '../../runtime/kube-object.ts';
import type { ObjectClient } from '../shared/kube-objects.ts';
import type { Tenant } from '../tenant/types.ts';

/** Where the machines read their Tenant: the Tenant controller's informer, as another loop may. */
export type TenantInformer = Pick<Controller, 'list' | 'watch' | 'hasSynced'>;

/**
 * The Tenants by name, as the Tenant controller's informer has them, kept in a map by a watch
 * handler: a machine's reconcile reads its Tenant without a call to the API server. Before the
 * informer's first list only, a Tenant is read live, so a machine reconciled in that moment is
 * not told its Tenant does not exist.
 *
 * NOTE: nothing about a Tenant is freshness-critical for a machine: its project ID never changes
 * once set, and a namespace removed from it freezes the machine at the next reconcile either way
 * (the watch lags by milliseconds; a live read would too, by the time the reconcile acts).
 */
export class TenantCache {
    private readonly byName = new Map<string, Tenant>();
    private readonly informer: TenantInformer;
    private readonly live: ObjectClient;

    /** Build it before the manager starts, so the watch handler sees the informer's first list. */
    constructor(informer: TenantInformer, live: ObjectClient) {
        this.informer = informer;
        this.live = live;
        for (const tenant of informer.list()) this.keep(tenant);
        informer.watch({
            added: (obj) => {
                this.keep(obj);
            },
            updated: (obj) => {
                this.keep(obj);
            },
            deleted: (obj) => {
                this.byName.delete(obj.metadata?.name ?? '');
            },
        });
    }

    /** The Tenant named `name`, or undefined when there is none. */
    async get(name: string): Promise<Tenant | undefined> {
        if (this.informer.hasSynced()) return this.byName.get(name);
        const found: unknown = await this.live.get(name);
        return found as Tenant | undefined;
    }

    private keep(obj: KubeObject): void {
        this.byName.set(obj.metadata?.name ?? '', obj);
    }
}
