import { Counter, type Registry } from 'prom-client';

/** The reconcilers' own metrics; labels are bounded (tenant names, never machines). */
export class ControllerMetrics {
    readonly quotaRepairs: Counter<'tenant'>;
    readonly serverMutations: Counter<'kind' | 'operation'>;

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
    }
}
