// Tags and metadata dropped from a VirtualMachine's spec are removed from its server, while those
// someone else added in Nova are left alone: Bascule removes only what status says it applied.
import { expect } from 'chai';

import { installCrds } from '../../support/cluster.ts';
import { machines, tenantSuite, until, waitCondition, type Harness } from './harness.ts';

describe('the VirtualMachine controller on tags and metadata dropped from the spec', function () {
    this.timeout(90_000);
    let h: Harness;
    let vms: ReturnType<typeof machines>;
    let projectId: string;
    const suffix = Date.now().toString(36);
    const ns = `vmt-${suffix}`;
    const tenant = `vmtt-${suffix}`;
    const minimal = { tenant, flavor: { name: 'm1.tiny' }, image: { name: 'cirros-0.6.2' } };
    const scope = () => ({ kind: 'project', projectId }) as const;

    // The status fields these tests read are new; a cluster's older CRD would prune them.
    before(async function () {
        this.timeout(60_000);
        await installCrds();
    });
    const suite = tenantSuite(tenant, ns, { instances: 4, cores: 8, ram: '8Gi' });
    before(() => {
        ({ h, vms, projectId } = suite);
    });

    it('should remove what it applied and the spec dropped, and keep what others added', async () => {
        await vms.create('tags', { ...minimal, tags: ['a', 'b'], metadata: { x: '1', y: '2' } });
        const ready = await waitCondition(() => vms.get('tags'), 'Ready', 'True');
        const id = ready.status?.serverID as string;
        expect(ready.status).to.deep.include({ appliedTags: ['a', 'b'], appliedMetadataKeys: ['x', 'y'] });

        // Someone else adds their own tag and metadata in Nova, as the tenant.
        await h.cloud.nova.addTag(scope(), id, 'theirs');
        await h.cloud.nova.updateMetadata(scope(), id, { theirs: 'kept' });
        const obj = await vms.get('tags');
        obj.spec = { ...obj.spec, tags: ['a'], metadata: { x: '1' } };
        await vms.replace(obj);

        const updated = await until('applied sets narrowed', async () => {
            const o = await vms.get('tags');
            const settled = o.status?.observedGeneration === o.metadata.generation;
            return settled && (o.status?.appliedTags as string[] | undefined)?.length === 1 ? o : undefined;
        });
        expect(updated.status).to.deep.include({ appliedTags: ['a'], appliedMetadataKeys: ['x'] });
        const server = await h.cloud.nova.getServer(scope(), id);
        expect(server.tags).to.include.members(['a', 'theirs']).and.not.include('b');
        expect(server.metadata).to.include({ x: '1', theirs: 'kept' }).and.not.have.property('y');

        const deletes = h.sim.calls.find({
            service: 'compute',
            method: 'DELETE',
            path: `^/v2.1/servers/${id}/`,
        });
        expect(deletes.map((c) => c.path).sort()).to.deep.equal([
            `/v2.1/servers/${id}/metadata/y`,
            `/v2.1/servers/${id}/tags/b`,
        ]);
        expect(deletes.every((c) => c.status === 204)).to.equal(true);
    });
});
