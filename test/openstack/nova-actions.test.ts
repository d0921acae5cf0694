import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { OpenStackError } from '../../operator/openstack/errors.ts';
import { ADMIN, type Scope } from '../../operator/openstack/identity.ts';
import { KeystoneAdmin } from '../../operator/openstack/keystone-admin.ts';
import { negotiateNova } from '../../operator/openstack/microversion.ts';
import { Nova, type ServerCreate } from '../../operator/openstack/nova.ts';
import type { Server } from '../../operator/openstack/nova-views.ts';
import { startTestSim, tenant, token } from '../sim/helpers.ts';
import { harness, rejection, simCloud } from './helpers.ts';

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test';

describe('openstack nova: flavors, key pairs, actions, metadata and tags', () => {
    let sim: Simulator;
    let nova: Nova;
    let scope: Scope;

    before(async () => {
        sim = await startTestSim({ offloadAfterShelve: false });
        const projectId = (await tenant(sim, await token(sim), 'acts', { instances: 10, cores: 50 }))
            .projectId;
        const client = harness(simCloud(sim)).client;
        const keystone = new KeystoneAdmin(client);
        const adminUser = (await client.identity.session(ADMIN)).userId ?? '';
        await keystone.grantOnProject(projectId, adminUser, (await keystone.roleId('member')) ?? '');
        nova = new Nova(client, await negotiateNova(client));
        scope = { kind: 'project', projectId };
    });

    after(async () => {
        await sim.stop();
    });

    async function activeServer(name: string): Promise<string> {
        const imageId = [...sim.world.images.keys()][0] ?? '';
        const desired: ServerCreate = {
            name,
            flavorId: '1',
            imageId,
            networks: 'none',
            tags: [],
            metadata: {},
        };
        const id = await nova.createServer(scope, desired);
        await until(id, (s) => s.status === 'ACTIVE');
        return id;
    }

    /** Polls the server until `done` holds and no task is in progress. */
    async function until(id: string, done: (server: Server) => boolean): Promise<Server> {
        for (let i = 0; i < 400; i++) {
            const server = await nova.getServer(scope, id);
            if (done(server) && server.taskState === undefined) return server;
            await new Promise((r) => setTimeout(r, 5));
        }
        throw new Error(`server ${id} never reached the wanted state`);
    }

    it('should list flavors allow-listed', async () => {
        const flavors = await nova.listFlavors(scope);

        expect(flavors).to.deep.include({ id: '3', name: 'm1.medium', vcpus: 2, ramMb: 4096, diskGb: 20 });
        expect(Object.keys(flavors[0] ?? {})).to.have.members(['id', 'name', 'vcpus', 'ramMb', 'diskGb']);
    });

    it("should import a key pair under Bascule's user, find it, and refuse a second one", async () => {
        expect(await nova.hasKeypair('bascule-key')).to.equal(false);

        await nova.importKeypair('bascule-key', PUBLIC_KEY);

        expect(await nova.hasKeypair('bascule-key')).to.equal(true);
        expect(await rejection(nova.importKeypair('bascule-key', PUBLIC_KEY)))
            .to.be.instanceOf(OpenStackError)
            .and.include({ kind: 'Conflict' });
    });

    it('should resize and confirm, then resize and revert', async () => {
        const id = await activeServer('resized');

        await nova.resize(scope, id, '2');
        await until(id, (s) => s.status === 'VERIFY_RESIZE');
        await nova.action(scope, id, 'confirmResize');
        const confirmed = await until(id, (s) => s.status === 'ACTIVE');
        await nova.resize(scope, id, '3');
        await until(id, (s) => s.status === 'VERIFY_RESIZE');
        await nova.action(scope, id, 'revertResize');
        const reverted = await until(id, (s) => s.status === 'ACTIVE');

        expect(confirmed.flavor.originalName).to.equal('m1.small');
        expect(reverted.flavor.originalName).to.equal('m1.small');
    });

    it('should refuse an action in the wrong state as a Conflict', async () => {
        const id = await activeServer('wrong-state');
        const err = await rejection(nova.action(scope, id, 'confirmResize'));

        expect(err).to.be.instanceOf(OpenStackError).and.include({ kind: 'Conflict', status: 409 });
    });

    it('should shelve, offload as admin and unshelve', async () => {
        const id = await activeServer('parked');

        await nova.action(scope, id, 'shelve');
        await until(id, (s) => s.status === 'SHELVED');
        await nova.action(ADMIN, id, 'shelveOffload');
        await until(id, (s) => s.status === 'SHELVED_OFFLOADED');
        await nova.action(scope, id, 'unshelve');

        expect((await until(id, (s) => s.status === 'ACTIVE')).status).to.equal('ACTIVE');
    });

    it('should merge metadata, delete one key, and replace, add and remove tags', async () => {
        const id = await activeServer('labelled');

        await nova.updateMetadata(scope, id, { a: '1', b: '2' });
        await nova.updateMetadata(scope, id, { b: '3' });
        await nova.deleteMetadataItem(scope, id, 'a');
        await nova.setTags(scope, id, ['bascule-uid-1', 'x']);
        await nova.addTag(scope, id, 'bascule-install-i');
        await nova.removeTag(scope, id, 'x');
        const server = await nova.getServer(scope, id);

        expect(server.metadata).to.deep.equal({ b: '3' });
        expect(server.tags).to.have.members(['bascule-uid-1', 'bascule-install-i']);
    });
});
