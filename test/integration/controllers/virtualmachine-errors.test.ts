// The VirtualMachine controller's error classes and drift rules against the simulator: a policy
// refusal retried slowly until the role arrives, a resize failing into ERROR, power drift restored
// only after its grace, and a server left alone while a task is in progress.
import { expect } from 'chai';

import type { CallRecord } from '../../../hack/openstack-sim/call-log.ts';
import { ownerTag } from '../../../operator/controllers/shared/naming.ts';
import {
    condition,
    machines,
    tenants,
    tenantSuite,
    until,
    waitCondition,
    waitGone,
    type Harness,
} from './harness.ts';

const POLICY_RETRY_MS = 1500;
const POWER_GRACE_MS = 1500;

describe('the VirtualMachine controller on policy refusals, failed resizes and drift', function () {
    this.timeout(90_000);
    let h: Harness;
    let vms: ReturnType<typeof machines>;
    let projectId: string;
    const suffix = Date.now().toString(36);
    const ns = `vme-${suffix}`;
    const tenant = `vmet-${suffix}`;
    const minimal = { tenant, flavor: { name: 'm1.tiny' }, image: { name: 'cirros-0.6.2' } };
    const scope = () => ({ kind: 'project', projectId }) as const;

    const suite = tenantSuite(
        tenant,
        ns,
        { instances: 8, cores: 16, ram: '16Gi' },
        { settings: { policyRetryMs: POLICY_RETRY_MS, powerGraceMs: POWER_GRACE_MS } },
    );
    before(() => {
        ({ h, vms, projectId } = suite);
    });

    const get = (name: string) => () => vms.get(name);
    const remove = async (name: string) => {
        await vms.remove(name);
        await waitGone(get(name));
    };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    /** Server actions in the call log, on `id`, named `action` when given. */
    const actions = (id: string, action?: string): CallRecord[] =>
        h.sim.calls
            .find({ service: 'compute', method: 'POST', path: `^/v2.1/servers/${id}/action$` })
            .filter((c) => action === undefined || c.action === action);
    const readyServer = async (name: string) => {
        await vms.create(name, minimal);
        const ready = await waitCondition(get(name), 'Ready', 'True');
        return { ready, id: ready.status?.serverID as string };
    };

    it('should wait slowly with PolicyForbidden on a policy 403, and create once the role arrives', async () => {
        const rule = h.sim.faults.add({
            service: 'compute',
            method: 'POST',
            path: '^/v2.1/servers$',
            action: {
                kind: 'error',
                status: 403,
                message: "Policy doesn't allow os_compute_api:servers:create to be performed.",
            },
        });
        const vm = await vms.create('policy', minimal);
        const creates = () =>
            h.sim.calls
                .find({ service: 'compute', method: 'POST', path: '^/v2.1/servers$' })
                .filter((c) => c.tags?.includes(ownerTag(vm.metadata.uid ?? '')) === true).length;
        try {
            const refused = await waitCondition(get('policy'), 'Ready', 'False', 'PolicyForbidden');
            expect(condition(refused, 'Ready')?.message).to.match(
                /PolicyForbidden, HTTP 403.*Policy doesn't allow os_compute_api:servers:create/,
            );
            expect(condition(refused, 'Progressing')).to.include({
                status: 'False',
                reason: 'PolicyForbidden',
            });
            expect(refused.status).to.include({ phase: 'Pending' });
            expect(refused.status?.serverID).to.equal(undefined);

            // The Tenant names the refused machine: the role on its project is what to check.
            const flagged = await until('the Tenant reports the refusal', async () => {
                const found = condition(await tenants(h).get(tenant), 'PolicyForbidden');
                return found?.status === 'True' ? found : undefined;
            });
            expect(flagged.reason).to.equal('PolicyForbidden');
            expect(flagged.message).to.contain(`1 machine (${ns}/policy)`).and.contain(projectId);

            // Retried on the slow policy timer, not in a loop: about one create per interval.
            const before = creates();
            await sleep(3 * POLICY_RETRY_MS);
            const retried = creates() - before;
            expect(retried).to.be.within(1, 4);
        } finally {
            h.sim.faults.remove(rule.id ?? '');
        }

        const ready = await waitCondition(get('policy'), 'Ready', 'True');
        expect(ready.status?.serverID).to.be.a('string');
        await until('the Tenant clears the refusal', async () => {
            const found = condition(await tenants(h).get(tenant), 'PolicyForbidden');
            return found?.status === 'False' ? found : undefined;
        });
        await remove('policy');
    });

    it('should report a resize that fails into ERROR with its fault, without resizing again', async () => {
        const { ready, id } = await readyServer('badresize');
        h.sim.faults.add({
            service: 'compute',
            method: 'POST',
            path: `^/v2.1/servers/${id}/action$`,
            count: 1,
            action: { kind: 'resizeFailure', message: 'Resize failed on the destination host.' },
        });
        ready.spec = { ...ready.spec, flavor: { name: 'm1.small' } };
        await vms.replace(ready);

        const failed = await waitCondition(get('badresize'), 'Ready', 'False', 'ServerError');
        expect(failed.status).to.include({ phase: 'Error', fault: 'Resize failed on the destination host.' });
        expect(condition(failed, 'Ready')?.message).to.equal('Resize failed on the destination host.');
        expect(failed.status?.flavor).to.equal('m1.tiny');
        // Nova reverts only a RESIZED (VERIFY_RESIZE) instance: from ERROR a revert is refused, so
        // none is sent, and the resize is not tried again on its own.
        await sleep(1000);
        expect(actions(id, 'resize')).to.have.length(1);
        expect(actions(id, 'revertResize')).to.have.length(0);
        await remove('badresize');
    });

    it('should restore power drift only once the grace period has passed', async () => {
        const { id } = await readyServer('grace');
        await h.cloud.nova.action(scope(), id, 'os-stop');
        const [stop] = actions(id, 'os-stop');
        await until('restarted', async () => {
            const server = await h.cloud.nova.getServer(scope(), id);
            return server.status === 'ACTIVE' && actions(id, 'os-start').length > 0 ? server : undefined;
        });

        const starts = actions(id, 'os-start');
        expect(starts).to.have.length(1);
        const waited = Date.parse(starts[0]?.at ?? '') - Date.parse(stop?.at ?? '');
        expect(waited).to.be.at.least(POWER_GRACE_MS);
        expect(starts[0]?.projectId).to.equal(projectId);
        await waitCondition(get('grace'), 'Ready', 'True');
        await remove('grace');
    });

    it('should act on a power change in the spec at once, without the drift grace', async () => {
        const { ready, id } = await readyServer('asked');
        ready.spec = { ...ready.spec, powerState: 'Stopped' };
        const asked = Date.now();
        await vms.replace(ready);
        const stopped = await until('stopped', async () => {
            const o = await vms.get('asked');
            return o.status?.phase === 'Stopped' && condition(o, 'Ready')?.status === 'True' ? o : undefined;
        });
        expect(stopped.status?.serverID).to.equal(id);
        const [stop] = actions(id, 'os-stop');
        expect(Date.parse(stop?.at ?? '') - asked).to.be.below(POWER_GRACE_MS);
        await remove('asked');
    });

    it('should leave a migrating server alone until its task settles', async () => {
        const { ready, id } = await readyServer('busy');
        const server = h.sim.world.servers.get(id);
        if (server === undefined) throw new Error('server not in the simulator');
        server.taskState = 'migrating';
        h.sim.world.touch(server);

        ready.spec = { ...ready.spec, powerState: 'Stopped' };
        await vms.replace(ready);
        const waiting = await until('waiting on the task', async () => {
            const o = await vms.get('busy');
            const progressing = condition(o, 'Progressing');
            const seen = o.status?.observedGeneration === o.metadata.generation;
            return seen && progressing?.status === 'True' ? o : undefined;
        });
        expect(condition(waiting, 'Ready')?.status).to.equal('False');
        await sleep(1000);
        expect(actions(id)).to.have.length(0);

        server.taskState = null;
        h.sim.world.touch(server);
        await until('stopped', async () => {
            const o = await vms.get('busy');
            return o.status?.phase === 'Stopped' && condition(o, 'Ready')?.status === 'True' ? o : undefined;
        });
        expect(actions(id).map((c) => c.action)).to.deep.equal(['os-stop']);
        await remove('busy');
    });
});
