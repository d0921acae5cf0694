import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

import type { Decision } from '../../arbiter/types.ts';

/** Capacity arbitration's metrics; labels are tenants, pools and rules (bounded), never machines. */
export class ArbitrationMetrics {
    readonly runs: Counter<'result'>;
    readonly reallocationSeconds: Histogram<'rule'>;
    readonly borrowed: Gauge<'tenant'>;
    readonly lent: Gauge<'tenant'>;
    readonly effective: Gauge<'tenant'>;
    readonly granted: Gauge<'pool'>;
    readonly parked: Gauge<'pool'>;
    readonly conditions: Gauge<'tenant' | 'condition'>;

    constructor(registry: Registry) {
        const registers = [registry];
        this.runs = new Counter({
            name: 'bascule_arbitration_runs_total',
            help: 'Runs of the capacity arbiter, by result (decided, dry_run, skipped, error).',
            labelNames: ['result'],
            registers,
        });
        this.reallocationSeconds = new Histogram({
            name: 'bascule_reallocation_duration_seconds',
            help: 'From the arbiter deciding a transfer to the taking pool running its grant, by rule (Borrow, Reclaim or Emergency).',
            labelNames: ['rule'],
            buckets: [5, 10, 20, 30, 60, 90, 120, 180, 300, 600, 1200],
            registers,
        });
        this.borrowed = new Gauge({
            name: 'bascule_tenant_borrowed_instances',
            help: "Instances a tenant holds beyond its guarantee, by the arbiter's grants.",
            labelNames: ['tenant'],
            registers,
        });
        this.lent = new Gauge({
            name: 'bascule_tenant_lent_instances',
            help: "Instances of a tenant's idle guarantee lent to others.",
            labelNames: ['tenant'],
            registers,
        });
        this.effective = new Gauge({
            name: 'bascule_tenant_effective_quota_instances',
            help: 'The instance quota arbitration decides for a tenant (guarantee + borrowed - lent).',
            labelNames: ['tenant'],
            registers,
        });
        this.granted = new Gauge({
            name: 'bascule_pool_granted_replicas',
            help: 'Replicas capacity arbitration lets a pool run.',
            labelNames: ['pool'],
            registers,
        });
        this.parked = new Gauge({
            name: 'bascule_pool_parked_machines',
            help: 'Machines of a pool parked by arbitration (locked, shelved and offloaded).',
            labelNames: ['pool'],
            registers,
        });
        this.conditions = new Gauge({
            name: 'bascule_arbitration_condition',
            help: '1 while a tenant says FloorsExceedGuarantee, FloorsExceedCapacity or GuaranteesExceedCapacity.',
            labelNames: ['tenant', 'condition'],
            registers,
        });
    }

    /** Sets the gauges from one decision and the parked counts it was made from. */
    record(decision: Decision, parked: Readonly<Record<string, number>>): void {
        this.conditions.reset();
        for (const [tenant, a] of Object.entries(decision.tenants)) {
            this.borrowed.set({ tenant }, a.borrowed.instances);
            this.lent.set({ tenant }, a.lent.instances);
            this.effective.set({ tenant }, a.effective.instances);
            for (const condition of a.conditions) this.conditions.set({ tenant, condition }, 1);
        }
        for (const [pool, d] of Object.entries(decision.pools)) {
            this.granted.set({ pool }, d.granted);
            this.parked.set({ pool }, parked[pool] ?? 0);
        }
    }
}
