import { Counter, Gauge, type Registry } from 'prom-client';

/** The reconcilers' own metrics; labels are bounded (tenant names, never machines). */
export class ControllerMetrics {
    readonly quotaRepairs: Counter<'tenant'>;
    readonly serverMutations: Counter<'kind' | 'operation'>;
    readonly duplicatesReaped: Counter<'tenant'>;
    readonly orphanServers: Gauge<'tenant'>;
    readonly orphansDeleted: Counter<'tenant'>;

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
    }
}
