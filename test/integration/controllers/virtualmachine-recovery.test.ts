import { expect } from 'chai';

import { ownerTag } from '../../../operator/controllers/shared/naming.ts';
import { addFault } from '../../sim/helpers.ts';
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

describe('the VirtualMachine controller under faults, drift and loss', function () {
    this.timeout(90_000);
    let h: Harness;
    let vms: ReturnType<typeof machines>;
    let projectId: string;
    const suffix = Date.now().toString(36);
    const ns = `vmr-${suffix}`;
    const tenant = `vmrt-${suffix}`;
    const minimal = { tenant, flavor: { name: 'm1.tiny' }, image: { name: 'cirros-0.6.2' } };
    const scope = () => ({ kind: 'project', projectId }) as const;

    const suite = tenantSuite(tenant, ns, { instances: 8, cores: 400, ram: '16Gi' });
    before(() => {
        ({ h, vms, projectId } = suite);
    });

    const get = (name: string) => () => vms.get(name);
    const remove = async (name: string) => {
        await vms.remove(name);
        await waitGone(get(name));
    };
    const byOwner = (obj: Obj) =>
        h.cloud.nova.listServers(scope(), { tags: [ownerTag(obj.metadata.uid ?? '')] });

    it('should report NoCapacity with the fault when no host fits', async () => {
        const flavor = { id: '77', name: `huge-${suffix}`, vcpus: 200, ram: 512, disk: 1 };
        h.sim.world.flavors.set('77', {
            ...flavor,
            ephemeral: 0,
            swap: 0,
            isPublic: true,
            description: null,
        });
        await vms.create('nohost', { ...minimal, flavor: { name: flavor.name } });
        const failed = await waitCondition(get('nohost'), 'Ready', 'False', 'NoCapacity');
        expect(failed.status?.phase).to.equal('Error');
        expect(failed.status?.fault).to.match(/No valid host/);
        await remove('nohost');
    });

    it('should delete an ERROR server and recreate it when onError is Recreate', async () => {
        await addFault(h.sim, {
            service: 'compute',
            method: 'POST',
            path: '^/v2.1/servers$',
            count: 1,
            action: { kind: 'buildFailure' },
        });
        const created = await vms.create('rec', { ...minimal, recovery: { onError: 'Recreate' } });
        const ready = await waitCondition(get('rec'), 'Ready', 'True');

        // From the call log, not by polling status: the failed build, its delete and the new create
        // can all happen between two polls.
        const posts = h.sim.calls.find({
            method: 'POST',
            path: '^/v2.1/servers$',
            tag: `bascule-uid-${created.metadata.uid ?? ''}`,
        });
        expect(posts.filter((c) => c.status === 202)).to.have.length(2);
        const deletes = h.sim.calls.find({ method: 'DELETE', path: '^/v2.1/servers/[^/]+$' });
        expect(deletes.some((c) => c.path !== `/v2.1/servers/${String(ready.status?.serverID)}`)).to.be.true;
        const owned = (await byOwner(ready)).filter((s) => s.status !== 'DELETED');
        expect(owned.map((s) => s.id)).to.deep.equal([ready.status?.serverID]);
        await remove('rec');
    });

    it('should report a lost server, or recreate it by policy', async () => {
        await vms.create('lostr', minimal);
        const a = await waitCondition(get('lostr'), 'Ready', 'True');
        await h.cloud.nova.deleteServer(scope(), a.status?.serverID as string);
        const lost = await waitCondition(get('lostr'), 'Ready', 'False', 'ServerLost');
        expect(lost.status?.phase).to.equal('Lost');
        await remove('lostr');

        await vms.create('lostc', { ...minimal, recovery: { onLost: 'Recreate' } });
        const b = await waitCondition(get('lostc'), 'Ready', 'True');
        await h.cloud.nova.deleteServer(scope(), b.status?.serverID as string);
        await until('recreated', async () => {
            const o = await vms.get('lostc');
            const again =
                o.status?.serverID !== b.status?.serverID && condition(o, 'Ready')?.status === 'True';
            return again && o.status?.serverID !== undefined ? o : undefined;
        });
        await remove('lostc');
    });

    it('should restore power state and its own tags changed behind its back (drift)', async () => {
        await vms.create('drift', minimal);
        const ready = await waitCondition(get('drift'), 'Ready', 'True');
        const id = ready.status?.serverID as string;
        await h.cloud.nova.action(scope(), id, 'os-stop');
        await h.cloud.nova.removeTag(scope(), id, ownerTag(ready.metadata.uid ?? ''));
        await until('restored', async () => {
            const server = await h.cloud.nova.getServer(scope(), id);
            const tagged = server.tags.includes(ownerTag(ready.metadata.uid ?? ''));
            return server.status === 'ACTIVE' && tagged ? server : undefined;
        });
        await remove('drift');
    });

    it('should ride out 5xx answers and settle a timed-out create without a duplicate (errors)', async () => {
        await addFault(h.sim, {
            service: 'compute',
            method: 'GET',
            count: 3,
            action: { kind: 'error', status: 503 },
        });
        await addFault(h.sim, {
            service: 'compute',
            method: 'POST',
            path: '^/v2.1/servers$',
            count: 1,
            action: { kind: 'timeout' },
        });
        await vms.create('flaky', minimal);
        const ready = await waitCondition(get('flaky'), 'Ready', 'True');
        const owned = (await byOwner(ready)).filter((s) => s.status !== 'DELETED');
        expect(owned).to.have.length(1);
        await remove('flaky');
    });

    it('should change nothing while paused, and say so', async () => {
        await vms.create('pause', minimal);
        const ready = await waitCondition(get('pause'), 'Ready', 'True');
        const annotations = { 'bascule.io/paused': 'true' };
        ready.metadata = { ...ready.metadata, annotations };
        ready.spec = { ...ready.spec, powerState: 'Stopped' };
        await vms.replace(ready);
        const paused = await waitCondition(get('pause'), 'Progressing', 'False', 'Paused');
        expect(paused.status?.paused).to.be.true;
        const server = await h.cloud.nova.getServer(scope(), ready.status?.serverID as string);
        expect(server.status).to.equal('ACTIVE');

        // Paused also holds deletion; resuming lets the pending change and the delete through.
        paused.metadata = { ...paused.metadata, annotations: {} };
        await vms.replace(paused);
        await until('stopped', async () =>
            (await vms.get('pause')).status?.phase === 'Stopped' ? true : undefined,
        );
        await remove('pause');
    });

    it('should block a Delete Tenant while a server remains, listing it', async () => {
        const t = tenants(h);
        const name = `blk-${suffix}`;
        await t.create(name, { guarantee: { instances: 1, cores: 1, ram: '1Gi' }, namespaces: [ns] });
        await waitCondition(() => t.get(name), 'Ready', 'True');
        await vms.create('blocker', { ...minimal, tenant: name });
        const vm = await waitCondition(get('blocker'), 'Ready', 'True');
        await t.remove(name);
        const blocked = await waitCondition(() => t.get(name), 'Ready', 'False', 'DeletionBlocked');
        expect(condition(blocked, 'Ready')?.message).to.include(vm.status?.serverID);
        expect(condition(blocked, 'Ready')?.message).to.include(`VirtualMachine ${ns}/blocker`);
        await remove('blocker');
        await waitGone(() => t.get(name));
    });

    it('should write an audit record for each mutation, with the request ID of a successful one', async () => {
        const vm = await vms.create('audit', minimal);
        const ready = await waitCondition(get('audit'), 'Ready', 'True');
        const records = h.logs
            .filter((line) => line.includes('"Cloud mutation"') && line.includes(ready.metadata.uid ?? '-'))
            .map(
                (line) =>
                    JSON.parse(line) as {
                        call: { pathTemplate: string };
                        result: string;
                        requestId?: string;
                    },
            );
        const create = records.find((r) => r.call.pathTemplate === '/servers' && r.result === 'success');
        expect(create, 'no successful create recorded').to.not.equal(undefined);

        const owner = ownerTag(vm.metadata.uid ?? '');
        const posts = h.sim.calls.find({ method: 'POST', path: '^/v2\\.1/servers$', tag: owner });
        expect(posts).to.have.length(1);
        expect(posts[0]?.requestId).to.be.a('string').and.not.equal('');
        expect(create?.requestId).to.equal(posts[0]?.requestId);
        await remove('audit');
    });
});
