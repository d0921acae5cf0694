import { expect } from 'chai';

import { ownerTag } from '../../../operator/controllers/shared/naming.ts';
import { ADMIN } from '../../../operator/openstack/identity.ts';
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

describe('the VirtualMachine controller', function () {
    this.timeout(90_000);
    let h: Harness;
    let vms: ReturnType<typeof machines>;
    let projectId: string;
    const suffix = Date.now().toString(36);
    const ns = `vm-${suffix}`;
    const tenant = `vmt-${suffix}`;
    const minimal = { tenant, flavor: { name: 'm1.tiny' }, image: { name: 'cirros-0.6.2' } };

    const suite = tenantSuite(tenant, ns, { instances: 4, cores: 8, ram: '8Gi' });
    before(() => {
        ({ h, vms, projectId } = suite);
    });

    const get = (name: string) => () => vms.get(name);
    const remove = async (name: string) => {
        await vms.remove(name);
        await waitGone(get(name));
    };
    const server = (obj: Obj) =>
        h.cloud.nova.getServer({ kind: 'project', projectId }, obj.status?.serverID as string);

    it('should create a tagged server and report Running (create-minimal, delete Delete)', async () => {
        const created = await vms.create('min', minimal);
        const ready = await waitCondition(get('min'), 'Ready', 'True');
        expect(ready.status).to.include({ phase: 'Running', origin: 'Created', deletionPolicy: 'Delete' });
        const observed = await server(ready);
        expect(observed.tags).to.include(ownerTag(created.metadata.uid ?? ''));
        expect(observed.metadata['bascule.io/namespace']).to.equal(ns);
        expect(ready.status?.createAttempt).to.equal(undefined);

        await remove('min');
        const gone = await server(ready).catch(() => undefined);
        expect(gone === undefined || gone.status === 'DELETED').to.be.true;
    });

    it('should create with networks, metadata, tags and an SSH key (create-full)', async () => {
        const publicKey = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${suffix} user@host`;
        const full = {
            ...minimal,
            networks: [{ name: 'private' }],
            metadata: { team: 'payments' },
            tags: ['blue'],
            sshKey: { publicKey },
        };
        await vms.create('full', full);
        const ready = await waitCondition(get('full'), 'Ready', 'True');
        expect(ready.status?.networkIDs).to.have.length(1);
        expect(ready.status?.imageID).to.be.a('string');
        expect(ready.status?.flavorID).to.equal('1');
        const observed = await server(ready);
        expect(observed.tags).to.include('blue');
        expect(observed.metadata.team).to.equal('payments');
        expect(observed.addresses.map((a) => a.network)).to.deep.equal(['private']);
        const query = new URLSearchParams({
            service: 'compute',
            method: 'POST',
            path: '^/v2.1/os-keypairs$',
        });
        const imports = await fetch(`${h.sim.url}/_sim/calls?${query.toString()}`);
        expect(((await imports.json()) as { count: number }).count).to.equal(1);
        await remove('full');
    });

    it('should follow power transitions and a resize (update)', async () => {
        await vms.create('pwr', { ...minimal, metadata: { team: 'a' }, tags: ['blue'] });
        let obj = await waitCondition(get('pwr'), 'Ready', 'True');
        for (const [power, phase] of [
            ['Stopped', 'Stopped'],
            ['Shelved', 'Shelved'],
            ['Running', 'Running'],
        ] as const) {
            obj.spec = { ...obj.spec, powerState: power };
            await vms.replace(obj);
            obj = await until(`phase ${phase}`, async () => {
                const o = await vms.get('pwr');
                const ok = o.status?.phase === phase && condition(o, 'Ready')?.status === 'True';
                return ok && o.status?.observedGeneration === o.metadata.generation ? o : undefined;
            });
        }
        obj.spec = { ...obj.spec, flavor: { name: 'm1.small' } };
        await vms.replace(obj);
        await until('resized', async () => {
            const o = await vms.get('pwr');
            const ok = o.status?.flavor === 'm1.small' && condition(o, 'Ready')?.status === 'True';
            return ok ? o : undefined;
        });
        await remove('pwr');
    });

    it('should wait for its Tenant and freeze outside the listed namespaces (dependency)', async () => {
        const other = machines(h, `other-${suffix}`);
        await other.create('outside', minimal);
        await waitCondition(() => other.get('outside'), 'Ready', 'False', 'NamespaceNotAllowed');
        await other.remove('outside');
        await waitGone(() => other.get('outside'));

        await vms.create('early', { ...minimal, tenant: `late-${suffix}` });
        await waitCondition(get('early'), 'Ready', 'False', 'WaitingForDependency');
        const t = tenants(h);
        await t.create(`late-${suffix}`, {
            guarantee: { instances: 1, cores: 1, ram: '1Gi' },
            namespaces: [ns],
        });
        await waitCondition(get('early'), 'Ready', 'True');
        await remove('early');
        await t.remove(`late-${suffix}`);
        await waitGone(() => t.get(`late-${suffix}`));
    });

    it('should be terminal on an unknown flavor, naming it, and recover when it appears (errors)', async () => {
        await vms.create('nof', { ...minimal, flavor: { name: `custom-${suffix}` } });
        const failed = await waitCondition(get('nof'), 'Ready', 'False', 'UnknownReference');
        expect(condition(failed, 'Ready')?.reason).to.equal('UnknownReference');
        const flavor = { id: '99', name: `custom-${suffix}`, vcpus: 1, ram: 512, disk: 1 };
        h.sim.world.flavors.set('99', {
            ...flavor,
            ephemeral: 0,
            swap: 0,
            isPublic: true,
            description: null,
        });
        await waitCondition(get('nof'), 'Ready', 'True');
        await remove('nof');
    });

    it('should stay Pending with QuotaExceeded and recover when the quota rises (errors)', async () => {
        const t = tenants(h);
        const name = `q-${suffix}`;
        await t.create(name, { guarantee: { instances: 1, cores: 1, ram: '1Gi' }, namespaces: [ns] });
        await waitCondition(() => t.get(name), 'Ready', 'True');
        const q = { ...minimal, tenant: name, flavor: { name: 'm1.medium' } };
        await vms.create('quota', q);
        const pending = await waitCondition(get('quota'), 'Ready', 'False', 'QuotaExceeded');
        expect(pending.status?.phase).to.equal('Pending');
        expect(pending.status?.serverID).to.equal(undefined);

        const tenantObj = await t.get(name);
        tenantObj.spec = { ...tenantObj.spec, guarantee: { instances: 1, cores: 2, ram: '4Gi' } };
        await t.replace(tenantObj);
        await waitCondition(get('quota'), 'Ready', 'True');
        await remove('quota');
        await t.remove(name);
        await waitGone(() => t.get(name));
    });

    it('should settle a create whose answer was lost by tag, never creating twice', async () => {
        await addFault(h.sim, {
            service: 'compute',
            method: 'POST',
            path: '^/v2.1/servers$',
            count: 1,
            action: { kind: 'lostResponse' },
        });
        const created = await vms.create('lost', minimal);
        await waitCondition(get('lost'), 'Ready', 'True');
        const tag = ownerTag(created.metadata.uid ?? '');
        const query = new URLSearchParams({
            service: 'compute',
            method: 'POST',
            path: '^/v2.1/servers$',
            tag,
        });
        const log = await fetch(`${h.sim.url}/_sim/calls?${query.toString()}`);
        expect(((await log.json()) as { count: number }).count).to.equal(1);
        await remove('lost');
    });

    it('should adopt by ID, report differences, then converge and orphan on delete (adopt)', async () => {
        const scope = { kind: 'project', projectId } as const;
        const image = [...h.sim.world.images.keys()][0] ?? '';
        const id = await h.cloud.nova.createServer(scope, {
            name: `pre-${suffix}`,
            flavorId: '1',
            imageId: image,
            networks: 'none',
            tags: [],
            metadata: {},
        });
        await vms.create('adopt', { ...minimal, powerState: 'Stopped', adopt: { serverID: id } });
        const pending = await waitCondition(get('adopt'), 'Ready', 'False', 'AdoptionPending');
        expect(pending.status?.origin).to.equal('Adopted');
        expect(pending.status?.differences).to.have.length.greaterThan(0);

        pending.spec = { ...pending.spec, adopt: { serverID: id, converge: true } };
        await vms.replace(pending);
        const ready = await waitCondition(get('adopt'), 'Ready', 'True');
        expect(ready.status?.phase).to.equal('Stopped');

        await remove('adopt');
        const left = await h.cloud.nova.getServer(scope, id);
        expect(left.tags.some((t) => t.startsWith('bascule-'))).to.be.false;
        await h.cloud.nova.deleteServer(scope, id);
    });

    it('should refuse a server outside the Tenant project (adopt-error) and an unknown ID', async () => {
        await vms.create('bad', { ...minimal, adopt: { serverID: '00000000-0000-0000-0000-000000000000' } });
        await waitCondition(get('bad'), 'Ready', 'False', 'UnknownReference');
        await remove('bad');

        const image = [...h.sim.world.images.keys()][0] ?? '';
        const elsewhere = await h.cloud.nova.createServer(ADMIN, {
            name: `elsewhere-${suffix}`,
            flavorId: '1',
            imageId: image,
            networks: 'none',
            tags: [],
            metadata: {},
        });
        await vms.create('foreign', { ...minimal, adopt: { serverID: elsewhere } });
        await waitCondition(get('foreign'), 'Ready', 'False', 'NotInTenant');
        await remove('foreign');
        await h.cloud.nova.deleteServer(ADMIN, elsewhere);
    });
});
