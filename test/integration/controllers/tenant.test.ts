import { expect } from 'chai';

import { installTag } from '../../../operator/controllers/shared/naming.ts';
import { ADMIN } from '../../../operator/openstack/identity.ts';
import { localCluster, requireCluster } from '../runtime/cluster.ts';
import { startHarness, tenants, until, waitCondition, waitGone, type Harness } from './harness.ts';

describe('the Tenant controller', function () {
    this.timeout(60_000);
    let h: Harness;
    let t: ReturnType<typeof tenants>;
    const suffix = Date.now().toString(36);

    before(async function () {
        const kc = await localCluster();
        requireCluster(this, kc);
        h = await startHarness(kc);
        t = tenants(h);
    });

    after(async () => {
        await h.stop();
    });

    it('should create a tagged project with the guarantee as quota (create-minimal, delete)', async () => {
        const name = `tmin-${suffix}`;
        await t.create(name, { guarantee: { instances: 3, cores: 6, ram: '8Gi' }, namespaces: ['a'] });
        const ready = await waitCondition(() => t.get(name), 'Ready', 'True');
        const projectID = ready.status?.projectID as string;
        expect(ready.status).to.include({ origin: 'Created', deletionPolicy: 'Delete' });
        expect(ready.status?.appliedQuota).to.deep.equal({ instances: 3, cores: 6, ramMiB: 8192 });

        const project = await h.cloud.keystone.getProject(projectID);
        expect(project.name).to.equal(name);
        expect(project.tags).to.include(installTag(h.installationId));
        const quota = await h.cloud.nova.getQuotaDetail(projectID);
        expect(quota.instances?.limit).to.equal(3);

        await t.remove(name);
        await waitGone(() => t.get(name));
        const lost = await h.cloud.keystone.getProject(projectID).catch(() => undefined);
        expect(lost).to.equal(undefined);
    });

    it('should describe the project from the display name, in the named domain (create-full)', async () => {
        const name = `tfull-${suffix}`;
        await t.create(name, {
            displayName: 'Payments',
            description: 'the payments team',
            domain: 'Default',
            guarantee: { instances: 2, cores: 2, ram: '2Gi' },
            namespaces: ['payments'],
            deletionPolicy: 'Delete',
        });
        const ready = await waitCondition(() => t.get(name), 'Ready', 'True');
        const project = await h.cloud.keystone.getProject(ready.status?.projectID as string);
        expect(project.description).to.equal('Payments');
        expect(ready.status?.usage).to.deep.equal({ instances: 0, cores: 0, ramMiB: 0 });
        expect(ready.status?.conditions?.map((c) => c.type)).to.include.members([
            'Ready',
            'Progressing',
            'PortQuota',
        ]);
        await t.remove(name);
        await waitGone(() => t.get(name));
    });

    it('should restore a quota changed behind its back and count the repair (drift)', async () => {
        const name = `tdrift-${suffix}`;
        await t.create(name, { guarantee: { instances: 2, cores: 4, ram: '4Gi' } });
        const ready = await waitCondition(() => t.get(name), 'Ready', 'True');
        const projectID = ready.status?.projectID as string;

        await h.cloud.nova.updateQuota(projectID, { instances: 50 });
        await until('repaired', async () => {
            const obj = await t.get(name);
            return (obj.status?.quotaRepairs as number | undefined) === 1 ? obj : undefined;
        });
        expect((await h.cloud.nova.getQuotaDetail(projectID)).instances?.limit).to.equal(2);
        await t.remove(name);
        await waitGone(() => t.get(name));
    });

    it('should follow a guarantee change (update)', async () => {
        const name = `tupd-${suffix}`;
        await t.create(name, { guarantee: { instances: 1, cores: 1, ram: '1Gi' } });
        const ready = await waitCondition(() => t.get(name), 'Ready', 'True');
        ready.spec = { guarantee: { instances: 4, cores: 1, ram: '1Gi' } };
        await t.replace(ready);
        const projectID = ready.status?.projectID as string;
        await until('quota raised', async () => {
            const detail = await h.cloud.nova.getQuotaDetail(projectID);
            return detail.instances?.limit === 4 ? true : undefined;
        });
        await t.remove(name);
        await waitGone(() => t.get(name));
    });

    it('should adopt by ID and orphan on delete, stripping tag and role (adopt, delete Orphan)', async () => {
        const domainId = (await h.cloud.keystone.domainIdByName('Default')) ?? '';
        const project = await h.cloud.keystone.createProject({
            name: `pre-${suffix}`,
            domainId,
            description: '',
            tags: [],
        });
        const name = `tadopt-${suffix}`;
        await t.create(name, { adopt: { projectID: project.id } });
        const ready = await waitCondition(() => t.get(name), 'Ready', 'True');
        expect(ready.status).to.include({
            origin: 'Adopted',
            deletionPolicy: 'Orphan',
            projectID: project.id,
        });
        expect((await h.cloud.keystone.getProject(project.id)).tags).to.include(installTag(h.installationId));

        await t.remove(name);
        await waitGone(() => t.get(name));
        const left = await h.cloud.keystone.getProject(project.id);
        expect(left.tags).to.not.include(installTag(h.installationId));
        const session = await h.cloud.client.identity.session(ADMIN);
        const grants = await h.cloud.keystone.assignmentsOn(project.id, session.userId ?? '');
        expect(grants.filter((g) => !g.inherited)).to.have.length(0);
    });

    it('should refuse an untagged project of the same name (NameConflict) and an unknown ID', async () => {
        const domainId = (await h.cloud.keystone.domainIdByName('Default')) ?? '';
        const name = `tconf-${suffix}`;
        await h.cloud.keystone.createProject({ name, domainId, description: '', tags: [] });
        await t.create(name, {});
        await waitCondition(() => t.get(name), 'Ready', 'False', 'NameConflict');
        await t.remove(name);
        await waitGone(() => t.get(name));

        const bad = `tbad-${suffix}`;
        await t.create(bad, { adopt: { projectID: '0123456789abcdef0123456789abcdef' } });
        await waitCondition(() => t.get(bad), 'Ready', 'False', 'UnknownReference');
        await t.remove(bad);
        await waitGone(() => t.get(bad));
    });

    it('should report ProjectLost when the project disappears, never recreating it', async () => {
        const name = `tlost-${suffix}`;
        await t.create(name, {});
        const ready = await waitCondition(() => t.get(name), 'Ready', 'True');
        const projectID = ready.status?.projectID as string;
        await h.cloud.keystone.deleteProject(projectID);
        const lost = await waitCondition(() => t.get(name), 'Ready', 'False', 'ProjectLost');
        expect(lost.status?.projectID).to.equal(projectID);
        await t.remove(name);
        await waitGone(() => t.get(name));
    });
});
