import { expect } from 'chai';

import { demoHosts } from '../../hack/openstack-sim/config.ts';
import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { Placement } from '../../operator/openstack/placement.ts';
import { startTestSim } from '../sim/helpers.ts';
import { harness, simCloud } from './helpers.ts';

const GOLD = '0f3c2a5e-1b7d-4c9e-8a6f-2d4b6c8e0a1b';
const SILVER = '7a9b1c3d-5e7f-4a2b-9c4d-6e8f0a2b4c6d';

describe('openstack placement: providers in aggregates and their capacity', () => {
    let sim: Simulator;
    let placement: Placement;

    before(async () => {
        sim = await startTestSim({
            hosts: [
                { ...demoHosts(2), namePrefix: 'gold-', aggregates: [GOLD] },
                { ...demoHosts(3), namePrefix: 'silver-', aggregates: [SILVER] },
                { ...demoHosts(1), namePrefix: 'plain-' },
            ],
        });
        placement = new Placement(harness(simCloud(sim)).client);
    });

    after(async () => {
        await sim.stop();
    });

    const names = async (aggregates?: string[]) =>
        (await placement.providers(aggregates)).map((p) => p.name.replace(/-\d+$/, '')).sort();

    it('should list every provider without a filter', async () => {
        expect(await names()).to.deep.equal(['gold', 'gold', 'plain', 'silver', 'silver', 'silver']);
    });

    it('should keep only the providers of one aggregate, or of any of several (member_of=in:)', async () => {
        expect(await names([GOLD])).to.deep.equal(['gold', 'gold']);
        expect(await names([GOLD, SILVER])).to.deep.equal(['gold', 'gold', 'silver', 'silver', 'silver']);
        expect(await names(['3c1d5e7f-0000-4000-8000-000000000000'])).to.deep.equal([]);
    });

    it('should read capacity after the allocation ratio', async () => {
        const [gold] = await placement.providers([GOLD]);
        const capacity = await placement.capacity(gold?.uuid ?? '');

        expect(capacity.VCPU).to.deep.equal({ capacity: 80, used: 0 });
        expect(capacity.MEMORY_MB?.capacity).to.equal(160 * 1024);
    });
});
