import { expect } from 'chai';
import { Registry } from 'prom-client';

import { ControllerMetrics } from '../../../operator/controllers/shared/metrics.ts';
import { PolicyReport, policyCondition } from '../../../operator/controllers/shared/policy-report.ts';
import type { KubeObject } from '../../../operator/runtime/kube-object.ts';

const ready = (status: string, reason: string) => ({ conditions: [{ type: 'Ready', status, reason }] });

describe('bascule_objects', () => {
    it('should count each kind by Tenant and Ready condition at each scrape', async () => {
        const registry = new Registry();
        const metrics = new ControllerMetrics(registry);
        let machines: KubeObject[] = [
            { metadata: { name: 'a' }, spec: { tenant: 't1' }, status: ready('True', 'Success') },
            { metadata: { name: 'b' }, spec: { tenant: 't1' }, status: ready('False', 'QuotaExceeded') },
            { metadata: { name: 'c' }, spec: { tenant: 't1' }, status: ready('False', 'QuotaExceeded') },
            { metadata: { name: 'd' }, spec: { tenant: 't2' } },
        ] as unknown as KubeObject[];
        metrics.countObjects('VirtualMachine', () => machines);
        metrics.countObjects('Tenant', () => [
            { metadata: { name: 't1' }, status: ready('True', 'Success') } as KubeObject,
        ]);

        const scrape = async () => (await registry.getSingleMetric('bascule_objects')?.get())?.values ?? [];
        const first = await scrape();
        expect(first.map((v) => [v.labels, v.value])).to.have.deep.members([
            [{ kind: 'VirtualMachine', tenant: 't1', ready: 'True', reason: 'Success' }, 1],
            [{ kind: 'VirtualMachine', tenant: 't1', ready: 'False', reason: 'QuotaExceeded' }, 2],
            [{ kind: 'VirtualMachine', tenant: 't2', ready: 'Unknown', reason: '' }, 1],
            [{ kind: 'Tenant', tenant: 't1', ready: 'True', reason: 'Success' }, 1],
        ]);

        // A series whose objects are gone disappears rather than staying at its last value.
        machines = machines.slice(0, 1);
        const second = await scrape();
        expect(second.filter((v) => v.labels.kind === 'VirtualMachine')).to.have.length(1);
    });
});

describe('the policy report', () => {
    it('should tell the Tenant once per change, and name the refused machines', () => {
        const told: string[] = [];
        const report = new PolicyReport((tenant) => told.push(tenant));
        report.set('t', 'ns/a', 'HTTP 403: policy');
        report.set('t', 'ns/a', 'HTTP 403: policy');
        report.set('t', 'ns/b', 'HTTP 403: policy');
        report.set('t', 'ns/c', undefined);
        expect(told).to.deep.equal(['t', 't']);

        const refused = policyCondition(report.forTenant('t'), 'p1');
        expect(refused).to.include({ status: 'True', reason: 'PolicyForbidden' });
        expect(refused.message).to.contain('2 machines (ns/a, ns/b)').and.contain('project p1');

        report.forget('ns/a');
        report.set('t', 'ns/b', undefined);
        expect(told).to.deep.equal(['t', 't', 't', 't']);
        expect(policyCondition(report.forTenant('t'), 'p1')).to.include({
            status: 'False',
            reason: 'Success',
        });
    });
});
