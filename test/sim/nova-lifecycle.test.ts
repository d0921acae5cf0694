import { expect } from 'chai';

import { serverStatus } from '../../hack/openstack-sim/nova/views.ts';
import { demoHosts } from '../../hack/openstack-sim/config.ts';
import type { Simulator } from '../../hack/openstack-sim/server.ts';
import type { Server } from '../../hack/openstack-sim/state.ts';
import { call, createServer, get, NOVA_290, startTestSim, tenant, token, waitForServer } from './helpers.ts';

type Step = [status: string, vmState: string, taskState: string | null, powerState: number];

/**
 * Records every state a server passes through: each transition touches the server, so the
 * record misses none however fast the simulated latencies are.
 */
function recordSteps(sim: Simulator, name: string): Step[] {
    const steps: Step[] = [];
    const touch = sim.world.touch.bind(sim.world);
    sim.world.touch = (server: Server) => {
        if (server.name === name) {
            steps.push([serverStatus(server), server.vmState, server.taskState, server.powerState]);
        }
        touch(server);
    };
    return steps;
}

describe('simulator: Nova state machine', () => {
    let sim: Simulator;
    let t: { projectId: string; token: string };

    before(async () => {
        sim = await startTestSim();
        t = await tenant(sim, await token(sim), 'life', { instances: 20, cores: 80, ram: 163840 });
    });

    afterEach(() => {
        // Undo recordSteps: the prototype's touch shows through again.
        delete (sim.world as { touch?: unknown }).touch;
    });

    after(async () => {
        await sim.stop();
    });

    async function activeServer(name: string): Promise<string> {
        const id = get((await createServer(sim, t.token, name)).body, 'server', 'id') as string;
        await waitForServer(sim, t.token, id, (s) => s.status === 'ACTIVE');
        return id;
    }

    async function act(id: string, body: unknown): Promise<number> {
        const path = `/compute/v2.1/servers/${id}/action`;
        return (await call(sim, 'POST', path, { token: t.token, body, headers: NOVA_290 })).status;
    }

    it('should build through scheduling and spawning, with power state 0 until running', async () => {
        const steps = recordSteps(sim, 'b1');
        const made = await createServer(sim, t.token, 'b1');
        const id = get(made.body, 'server', 'id') as string;
        await waitForServer(sim, t.token, id, (s) => s.status === 'ACTIVE');
        expect(steps).to.deep.equal([
            ['BUILD', 'building', 'spawning', 0],
            ['ACTIVE', 'active', null, 1],
        ]);
    });

    it('should shelve through the snapshot task states, then offload, then unshelve by spawning', async () => {
        const id = await activeServer('s1');
        const steps = recordSteps(sim, 's1');
        expect(await act(id, { shelve: null })).to.equal(202);
        await waitForServer(sim, t.token, id, (s) => s.status === 'SHELVED_OFFLOADED');
        expect(await act(id, { unshelve: null })).to.equal(202);
        await waitForServer(sim, t.token, id, (s) => s.status === 'ACTIVE');
        expect(steps).to.deep.equal([
            ['ACTIVE', 'active', 'shelving', 1],
            ['ACTIVE', 'active', 'shelving_image_pending_upload', 4],
            ['ACTIVE', 'active', 'shelving_image_uploading', 4],
            ['SHELVED', 'shelved', 'shelving_offloading', 4],
            ['SHELVED_OFFLOADED', 'shelved_offloaded', null, 4],
            ['SHELVED_OFFLOADED', 'shelved_offloaded', 'unshelving', 4],
            ['SHELVED_OFFLOADED', 'shelved_offloaded', 'spawning', 4],
            ['ACTIVE', 'active', null, 1],
        ]);
    });

    it('should unshelve a server not yet offloaded by powering it on', async () => {
        sim.world.config.offloadAfterShelve = false;
        const id = await activeServer('s2');
        expect(await act(id, { shelve: null })).to.equal(202);
        await waitForServer(sim, t.token, id, (s) => s.status === 'SHELVED');
        sim.world.config.offloadAfterShelve = true;
        const steps = recordSteps(sim, 's2');
        expect(await act(id, { unshelve: null })).to.equal(202);
        await waitForServer(sim, t.token, id, (s) => s.status === 'ACTIVE');
        expect(steps.map((s) => s[2])).to.deep.equal(['unshelving', 'powering-on', null]);
    });

    it('should resize through Nova’s task states to VERIFY_RESIZE, then revert to the old flavor and host', async () => {
        const id = await activeServer('r1');
        const before = sim.world.servers.get(id);
        const host = before?.host;
        const usage = { ...sim.world.usageOf(t.projectId) };
        const steps = recordSteps(sim, 'r1');

        expect(await act(id, { resize: { flavorRef: '4' } })).to.equal(202);
        await waitForServer(sim, t.token, id, (s) => s.status === 'VERIFY_RESIZE');
        expect(steps.map((s) => [s[0], s[2]])).to.deep.equal([
            ['RESIZE', 'resize_prep'],
            ['RESIZE', 'resize_migrating'],
            ['RESIZE', 'resize_migrated'],
            ['RESIZE', 'resize_finish'],
            ['VERIFY_RESIZE', null],
        ]);
        expect(sim.world.usageOf(t.projectId).cores).to.equal(usage.cores + 2);

        expect(await act(id, { revertResize: null })).to.equal(202);
        expect(steps.at(-1)).to.deep.equal(['REVERT_RESIZE', 'resized', 'resize_reverting', 1]);
        const reverted = await waitForServer(sim, t.token, id, (s) => s.status === 'ACTIVE');
        expect(get(reverted, 'flavor', 'original_name')).to.equal('m1.medium');
        expect(sim.world.servers.get(id)?.host).to.equal(host);
        expect(sim.world.usageOf(t.projectId)).to.deep.equal(usage);
        expect(sim.world.allocations.has(`migration-${id}`)).to.equal(false);
    });

    it('should refuse to revert a resize that is not waiting for confirmation', async () => {
        const id = await activeServer('r2');
        const path = `/compute/v2.1/servers/${id}/action`;
        const answer = await call(sim, 'POST', path, {
            token: t.token,
            body: { revertResize: null },
            headers: NOVA_290,
        });
        expect(answer.status).to.equal(409);
        expect(get(answer.body, 'conflictingRequest', 'message')).to.equal(
            `Cannot 'revertResize' instance ${id} while it is in vm_state active`,
        );
    });

    it('should rebuild with a new image, answering the server and a new admin password', async () => {
        const id = await activeServer('rb1');
        const image = [...sim.world.images.keys()][1] ?? '';
        const steps = recordSteps(sim, 'rb1');
        const path = `/compute/v2.1/servers/${id}/action`;
        const answer = await call(sim, 'POST', path, {
            token: t.token,
            body: { rebuild: { imageRef: image } },
            headers: NOVA_290,
        });
        expect(answer.status).to.equal(202);
        expect(get(answer.body, 'server', 'status')).to.equal('REBUILD');
        expect(get(answer.body, 'server', 'adminPass')).to.be.a('string');
        const rebuilt = await waitForServer(sim, t.token, id, (s) => s.status === 'ACTIVE');
        expect(get(rebuilt, 'image', 'id')).to.equal(image);
        expect(steps.map((s) => s[2])).to.deep.equal(['rebuilding', 'rebuild_spawning', null]);

        const bad = await call(sim, 'POST', path, {
            token: t.token,
            body: { rebuild: { imageRef: 'no-such-image' } },
            headers: NOVA_290,
        });
        expect(bad.status).to.equal(400);
        expect(get(bad.body, 'badRequest', 'code')).to.equal(400);
    });

    it('should leave a server offloaded, with no fault shown, when no host is free to unshelve it', async () => {
        // One host that holds a single m1.medium: once the shelved server let go of it, another takes it.
        const small = await startTestSim({ hosts: [{ ...demoHosts(1), vcpus: 2 }] });
        try {
            const mine = await tenant(small, await token(small), 'full');
            const first = get((await createServer(small, mine.token, 'u1')).body, 'server', 'id') as string;
            await waitForServer(small, mine.token, first, (s) => s.status === 'ACTIVE');
            const path = `/compute/v2.1/servers/${first}/action`;
            const opts = { token: mine.token, headers: NOVA_290 };
            await call(small, 'POST', path, { ...opts, body: { shelve: null } });
            await waitForServer(small, mine.token, first, (s) => s.status === 'SHELVED_OFFLOADED');
            const second = get((await createServer(small, mine.token, 'u2')).body, 'server', 'id') as string;
            await waitForServer(small, mine.token, second, (s) => s.status === 'ACTIVE');

            expect((await call(small, 'POST', path, { ...opts, body: { unshelve: null } })).status).to.equal(
                202,
            );
            const stuck = await waitForServer(
                small,
                mine.token,
                first,
                (s) => s['OS-EXT-STS:task_state'] === null,
            );
            expect(stuck.status).to.equal('SHELVED_OFFLOADED');
            expect(stuck.fault).to.equal(undefined);
        } finally {
            await small.stop();
        }
    });
});
