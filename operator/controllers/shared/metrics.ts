import { Counter, Gauge, type Registry } from 'prom-client';

import type { KubeObject } from '../../runtime/kube-object.ts';
import { findCondition, type Condition } from './conditions.ts';

/** Objects of one kind, as an informer's cache has them. */
interface ObjectSource {
    kind: string;
    list: () => KubeObject[];
}

/** The reconcilers' own metrics; labels are bounded (tenant names, never machines). */
export class ControllerMetrics {
    readonly quotaRepairs: Counter<'tenant'>;
    readonly serverMutations: Counter<'kind' | 'operation'>;
    readonly duplicatesReaped: Counter<'tenant'>;
    readonly orphanServers: Gauge<'tenant'>;
    readonly orphansDeleted: Counter<'tenant'>;
    readonly objects: Gauge<'kind' | 'tenant' | 'ready' | 'reason'>;
    private readonly sources: ObjectSource[] = [];

    constructor(registry: Registry) {
        this.quotaRepairs = new Counter({
            name: 'bascule_tenant_quota_repairs_total',
            help: 'Nova quota changes made by someone else and restored by Bascule.',
            labelNames: ['tenant'],
            registers: [registry],
        });
        this.serverMutations = new Counter({
            name: 'bascule_cloud_mutations_total',
            help: 'Cloud mutations made by the reconcilers, by kind and operation.',
            labelNames: ['kind', 'operation'],
            registers: [registry],
        });
        this.duplicatesReaped = new Counter({
            name: 'bascule_duplicates_reaped_total',
            help: 'Extra servers carrying the owner tag of a machine that already has one, deleted.',
            labelNames: ['tenant'],
            registers: [registry],
        });
        this.orphanServers = new Gauge({
            name: 'bascule_orphan_servers',
            help: "Servers with this installation's tag whose VirtualMachine is gone, at the last sweep.",
            labelNames: ['tenant'],
            registers: [registry],
        });
        this.orphansDeleted = new Counter({
            name: 'bascule_orphans_deleted_total',
            help: 'Orphan servers deleted after the opt-in age (deleteOrphansAfter).',
            labelNames: ['tenant'],
            registers: [registry],
        });
        // What `kubectl get bascule -A` shows, for alerts: machines waiting on quota, pools that
        // cannot reach their replicas. Counted at each scrape from the informers' caches.
        const sources = this.sources;
        this.objects = new Gauge({
            name: 'bascule_objects',
            help: 'Bascule objects by kind, Tenant and Ready condition (status and reason), from the cache.',
            labelNames: ['kind', 'tenant', 'ready', 'reason'],
            registers: [registry],
            collect() {
                this.reset();
                for (const { kind, list } of sources) {
                    for (const obj of list()) this.inc(readyLabels(kind, obj));
                }
            },
        });
    }

    /** Counts `kind`'s objects in `bascule_objects` at each scrape. */
    countObjects(kind: string, list: () => KubeObject[]): void {
        this.sources.push({ kind, list });
    }
}

/** An object's labels in `bascule_objects`: its Tenant, and its Ready condition (Unknown if none). */
function readyLabels(kind: string, obj: KubeObject) {
    const { spec, status } = obj as { spec?: { tenant?: string }; status?: { conditions?: Condition[] } };
    const tenant = kind === 'Tenant' ? (obj.metadata?.name ?? '') : (spec?.tenant ?? '');
    const ready = findCondition(status?.conditions, 'Ready');
    return { kind, tenant, ready: ready?.status ?? 'Unknown', reason: ready?.reason ?? '' };
}
