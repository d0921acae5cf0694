import { expect } from 'chai';

import { parkingLockReason } from '../../../operator/controllers/shared/naming.ts';
import { ADMIN } from '../../../operator/openstack/identity.ts';
import type { Server } from '../../../operator/openstack/nova-views.ts';
import type { CallRecord } from '../../../hack/openstack-sim/call-log.ts';
import {
    condition,
    machines,
    tenantSuite,
    tenants,
    until,
    waitCondition,
    waitGone,
    type Harness,
    type Obj,
} from './harness.ts';

describe('the VirtualMachine controller parking pool machines', function () {
    this.timeout(90_000);
    let h: Harness;
    let vms: ReturnType<typeof machines>;
    let projectId: string;
    const suffix = Date.now().toString(36);
    const ns = `vmp-${suffix}`;
    const tenant = `vmpt-${suffix}`;
    const minimal = { tenant, flavor: { name: 'm1.tiny' }, image: { name: 'cirros-0.6.2' } };
    const parked = { parked: true, powerState: 'Shelved' };
    const unparked = { parked: false, powerState: 'Running' };

    const suite = tenantSuite(tenant, ns, { instances: 8, cores: 8, ram: '8Gi' });
    before(() => {
        ({ h, vms, projectId } = suite);
    });
    afterEach(() => {
        h.sim.world.config.offloadAfterShelve = true;
        h.sim.world.config.quotaCounting = 'default';
    });

    const get = (name: string) => () => vms.get(name);
    const reason = () => parkingLockReason(h.installationId);
    const server = (obj: Obj): Promise<Server> =>
        h.cloud.nova.getServer({ kind: 'project', projectId }, obj.status?.serverID as string);

    /** Merges `spec` into the machine's, retrying on a conflict with the controller's status writes. */
    const setSpec = (name: string, spec: Record<string, unknown>, from = vms) =>
        until(`spec of ${name}`, async () => {
            const obj = await from.get(name);
            obj.spec = { ...obj.spec, ...spec };
            await from.replace(obj);
            return true;
        });

    /** Waits until the machine is Ready for its current generation with `fields` in status. */
    const settled = (name: string, fields: Record<string, unknown>, from = vms) =>
        until(`${name} settled with ${JSON.stringify(fields)}`, async () => {
            const o = await from.get(name);
            const current = o.status?.observedGeneration === o.metadata.generation;
            const matches = Object.entries(fields).every(([k, v]) => o.status?.[k] === v);
            return current && matches && condition(o, 'Ready')?.status === 'True' ? o : undefined;
        });

    /** The simulator's log of actions on one server, oldest first. */
    const actions = async (serverId: string): Promise<CallRecord[]> => {
        const query = new URLSearchParams({ service: 'compute', path: `^/v2.1/servers/${serverId}` });
        const answer = await fetch(`${h.sim.url}/_sim/calls?${query.toString()}`);
        const { calls } = (await answer.json()) as { calls: CallRecord[] };
        return calls.filter((c) => c.method !== 'GET' && c.status < 400);
    };
    const named = (calls: CallRecord[], what: string) => calls.filter((c) => (c.action ?? c.method) === what);
    const createRunning = async (name: string, from = vms, spec = minimal) => {
        await from.create(name, spec);
        return settled(name, { phase: 'Running' }, from);
    };

    it('should lock as admin with its reason, shelve and offload, and report parked Ready', async () => {
        const running = await createRunning('park');
        expect(running.status?.parked).to.equal(false);

        await setSpec('park', parked);
        const obj = await settled('park', { phase: 'Shelved', parked: true });
        const observed = await server(obj);
        expect(observed).to.include({ status: 'SHELVED_OFFLOADED', locked: true, lockedReason: reason() });

        const calls = await actions(observed.id);
        const [lock] = named(calls, 'lock');
        const [shelve] = named(calls, 'shelve');
        expect(lock?.seq).to.be.lessThan(shelve?.seq ?? 0);
        // Lock and shelve are the admin's (a token of another project than the tenant's).
        expect(lock?.projectId).to.not.equal(projectId);
        expect(shelve?.projectId).to.not.equal(projectId);
        expect(named(calls, 'shelveOffload')).to.have.length(0, 'offloaded by Nova itself');
        expect(h.logs.some((l) => l.includes('"trigger":"arbiter"') && l.includes('action#lock'))).to.be.true;

        // Steady state: another reconcile changes nothing.
        await new Promise((r) => setTimeout(r, 600));
        expect(await actions(observed.id)).to.have.length(calls.length);
        await vms.remove('park');
        await waitGone(get('park'));
    });

    it('should offload as admin when Nova does not offload by itself', async () => {
        h.sim.world.config.offloadAfterShelve = false;
        await createRunning('offload');
        await setSpec('offload', parked);
        const obj = await settled('offload', { phase: 'Shelved', parked: true });
        const calls = await actions(obj.status?.serverID as string);
        const [offload] = named(calls, 'shelveOffload');
        expect(offload?.projectId).to.not.equal(projectId);
        expect(offload?.seq).to.be.greaterThan(named(calls, 'shelve')[0]?.seq ?? Infinity);
        await vms.remove('offload');
        await waitGone(get('offload'));
    });

    it('should unlock as admin before unshelving with the tenant token when unparked', async () => {
        await createRunning('unpark');
        await setSpec('unpark', parked);
        await settled('unpark', { parked: true });

        await setSpec('unpark', unparked);
        const obj = await settled('unpark', { phase: 'Running', parked: false });
        const observed = await server(obj);
        expect(observed).to.include({ status: 'ACTIVE', locked: false });

        const calls = await actions(observed.id);
        const [unlock] = named(calls, 'unlock');
        const [unshelve] = named(calls, 'unshelve');
        expect(unlock?.seq).to.be.lessThan(unshelve?.seq ?? 0);
        expect(unlock?.projectId).to.not.equal(projectId);
        expect(unshelve?.projectId).to.equal(projectId);
        await vms.remove('unpark');
        await waitGone(get('unpark'));
    });

    it('should unlock a parked machine, then delete its server, when the machine is deleted', async () => {
        await createRunning('gone');
        await setSpec('gone', parked);
        const obj = await settled('gone', { parked: true });
        const id = obj.status?.serverID as string;

        await vms.remove('gone');
        await waitGone(get('gone'));
        const calls = await actions(id);
        const [unlock] = named(calls, 'unlock');
        const [deletion] = named(calls, 'DELETE');
        expect(unlock?.seq).to.be.lessThan(deletion?.seq ?? 0);
        expect(deletion?.projectId).to.equal(projectId);
        const left = await h.cloud.nova.getServer(ADMIN, id).catch(() => undefined);
        expect(left === undefined || left.status === 'DELETED').to.be.true;
    });

    it("should leave someone else's lock alone, another installation's included, and park once lifted", async () => {
        const running = await createRunning('other');
        const id = running.status?.serverID as string;
        for (const foreign of ['maintenance: host evacuation', 'bascule:another-installation:parked']) {
            const shelves = named(await actions(id), 'shelve').length;
            await h.cloud.nova.lock(ADMIN, id, foreign);
            await setSpec('other', parked);
            const blocked = await waitCondition(get('other'), 'Ready', 'False', 'LockedByOther');
            expect(blocked.status?.parked).to.equal(false);
            const observed = await server(blocked);
            expect(observed).to.include({ status: 'ACTIVE', locked: true, lockedReason: foreign });
            expect(named(await actions(id), 'shelve')).to.have.length(shelves);

            await h.cloud.nova.unlock(ADMIN, id);
            await settled('other', { parked: true });
            await setSpec('other', unparked);
            await settled('other', { phase: 'Running', parked: false });
        }
        await vms.remove('other');
        await waitGone(get('other'));
    });

    it('should lock a parked server again when someone unlocks it', async () => {
        await createRunning('relock');
        await setSpec('relock', parked);
        const obj = await settled('relock', { parked: true });
        const id = obj.status?.serverID as string;

        await h.cloud.nova.unlock(ADMIN, id);
        await until('locked again', async () => {
            const s = await h.cloud.nova.getServer(ADMIN, id);
            return s.locked && s.lockedReason === reason() ? s : undefined;
        });
        expect(named(await actions(id), 'lock')).to.have.length(2);
        await vms.remove('relock');
        await waitGone(get('relock'));
    });

    it('should shelve without a lock when a user asks for Shelved without parking', async () => {
        await createRunning('user');
        await setSpec('user', { powerState: 'Shelved' });
        const obj = await settled('user', { phase: 'Shelved', parked: false });
        const observed = await server(obj);
        expect(observed).to.include({ status: 'SHELVED_OFFLOADED', locked: false });
        expect(named(await actions(observed.id), 'lock')).to.have.length(0);
        await vms.remove('user');
        await waitGone(get('user'));
    });

    it('should wait with QuotaExceeded when an unshelve is refused, and come back when room is made', async () => {
        // With usage from Placement an offloaded server stops counting, so its cores can be taken.
        h.sim.world.config.quotaCounting = 'placement';
        const t = tenants(h);
        const small = `vmpq-${suffix}`;
        await t.create(small, { guarantee: { instances: 4, cores: 1, ram: '4Gi' }, namespaces: [ns] });
        await waitCondition(() => t.get(small), 'Ready', 'True');
        const spec = { ...minimal, tenant: small };
        await createRunning('qa', vms, spec);
        await setSpec('qa', parked);
        await settled('qa', { parked: true });
        await createRunning('qb', vms, spec);

        await setSpec('qa', unparked);
        const refused = await waitCondition(get('qa'), 'Ready', 'False', 'QuotaExceeded');
        expect(refused.status?.parked).to.equal(false);
        expect(refused.status?.phase).to.equal('Shelved');
        const observed = await h.cloud.nova.getServer(ADMIN, refused.status?.serverID as string);
        expect(observed).to.include({ status: 'SHELVED_OFFLOADED', locked: false });

        await vms.remove('qb');
        await waitGone(get('qb'));
        await settled('qa', { phase: 'Running', parked: false });
        await vms.remove('qa');
        await waitGone(get('qa'));
        await t.remove(small);
        await waitGone(() => t.get(small));
    });
});
