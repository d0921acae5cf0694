// What a user trial of issue 5 asked of the VirtualMachine controller's report: conditions, phase,
// Warning Events and logs that say what the machine waits on, once.
import { expect } from 'chai';

import type { EventInput } from '../../../operator/runtime/event-recorder.ts';
import type { KubeObject } from '../../../operator/runtime/kube-object.ts';
import {
    condition,
    machines,
    tenantSuite,
    tenants,
    until,
    waitCondition,
    waitGone,
    type Harness,
} from './harness.ts';

describe('the VirtualMachine controller reporting what it waits on', function () {
    this.timeout(90_000);
    let h: Harness;
    let vms: ReturnType<typeof machines>;
    const suffix = Date.now().toString(36);
    const ns = `vmw-${suffix}`;
    const tenant = `vmwt-${suffix}`;
    const minimal = { tenant, flavor: { name: 'm1.tiny' }, image: { name: 'cirros-0.6.2' } };
    const warnings: { name: string; reason: string }[] = [];

    const suite = tenantSuite(tenant, ns, { instances: 4, cores: 8, ram: '8Gi' });
    before(() => {
        ({ h, vms } = suite);
        // Every Event the controllers record goes through the manager's recorder.
        const recorder = h.manager.events;
        const record = recorder.record.bind(recorder);
        recorder.record = (regarding: KubeObject, input: EventInput) => {
            const name = regarding.metadata?.name ?? '';
            if (input.type === 'Warning') warnings.push({ name, reason: input.reason });
            return record(regarding, input);
        };
    });

    const get = (name: string) => () => vms.get(name);
    const remove = async (name: string) => {
        await vms.remove(name);
        await waitGone(get(name));
    };
    const warned = (name: string, reason: string) =>
        warnings.filter((w) => w.name === name && w.reason === reason).length;
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it('should say a Tenant that does not exist does not exist', async () => {
        await vms.create('notenant', { ...minimal, tenant: `absent-${suffix}` });
        const waitingObj = await waitCondition(get('notenant'), 'Ready', 'False', 'WaitingForDependency');
        expect(condition(waitingObj, 'Ready')?.message).to.equal(`Tenant absent-${suffix} does not exist`);
        await remove('notenant');
    });

    it('should not be Progressing while frozen outside the Tenant namespaces', async () => {
        const other = machines(h, `vmw-other-${suffix}`);
        await other.create('frozen', minimal);
        const frozen = await waitCondition(
            () => other.get('frozen'),
            'Ready',
            'False',
            'NamespaceNotAllowed',
        );
        await until('Progressing False', async () => {
            const o = await other.get('frozen');
            const p = condition(o, 'Progressing');
            return p?.status === 'False' && p.reason === 'NamespaceNotAllowed' ? o : undefined;
        });
        expect(frozen.status?.phase).to.equal('Pending');
        await other.remove('frozen');
        await waitGone(() => other.get('frozen'));
    });

    it('should wait on quota without Progressing and warn once, not on each retry', async () => {
        const t = tenants(h);
        const small = `vmwq-${suffix}`;
        await t.create(small, { guarantee: { instances: 1, cores: 1, ram: '1Gi' }, namespaces: [ns] });
        await waitCondition(() => t.get(small), 'Ready', 'True');
        await vms.create('quota', { ...minimal, tenant: small, flavor: { name: 'm1.medium' } });
        const waitingObj = await waitCondition(get('quota'), 'Ready', 'False', 'QuotaExceeded');
        expect(condition(waitingObj, 'Progressing')).to.include({ status: 'False', reason: 'QuotaExceeded' });

        // Quota refusals are retried every 100 ms in tests: many retries, one Warning.
        await pause(1000);
        expect(warned('quota', 'QuotaExceeded')).to.equal(1);
        await remove('quota');
        await t.remove(small);
        await waitGone(() => t.get(small));
    });

    it('should warn once of an unknown flavor and log the terminal failure once per evaluation', async () => {
        await vms.create('nof', { ...minimal, flavor: { name: `missing-${suffix}` } });
        await waitCondition(get('nof'), 'Ready', 'False', 'UnknownReference');
        // Terminal failures are looked at again every 300 ms in tests.
        await pause(1000);
        expect(warned('nof', 'UnknownReference')).to.equal(1);

        const times = h.logs
            .filter((l) => l.includes('Reconcile failed terminally') && l.includes(`${ns}/nof`))
            .map((l) => Date.parse((JSON.parse(l) as { timestamp: string }).timestamp));
        expect(times.length).to.be.greaterThan(1);
        for (let i = 1; i < times.length; i++) {
            expect((times[i] ?? 0) - (times[i - 1] ?? 0)).to.be.greaterThan(200, 'one line per evaluation');
        }
        await remove('nof');
    });

    it('should keep the power phase during a resize, Progressing with reason Resizing', async () => {
        await vms.create('grow', minimal);
        const ready = await waitCondition(get('grow'), 'Ready', 'True');
        const { latenciesMs } = h.sim.world.config;
        const resize = latenciesMs.resize;
        latenciesMs.resize = 2000;
        try {
            ready.spec = { ...ready.spec, flavor: { name: 'm1.small' } };
            await vms.replace(ready);
            const seen = new Set<string>();
            await until('resized', async () => {
                const o = await vms.get('grow');
                const p = condition(o, 'Progressing');
                seen.add(`${String(o.status?.phase)}/${String(p?.status)}/${String(p?.reason)}`);
                const done = o.status?.flavor === 'm1.small' && condition(o, 'Ready')?.status === 'True';
                return done ? o : undefined;
            });
            expect(seen).to.include('Running/True/Resizing');
            expect([...seen].filter((s) => s.startsWith('Building'))).to.deep.equal([]);
        } finally {
            latenciesMs.resize = resize;
        }
        await remove('grow');
    });
});
