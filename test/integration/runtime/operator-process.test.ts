import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

import { expect } from 'chai';

import type { Simulator } from '../../../hack/openstack-sim/server.ts';
import { startTestSim } from '../../sim/helpers.ts';
import { removeOperatorFiles, writeSimCloudsYaml } from './operator-process.ts';

describe('the spawned-operator helpers', () => {
    let sim: Simulator;

    before(async () => {
        sim = await startTestSim();
    });

    after(async () => {
        await sim.stop();
    });

    it('should remove every temporary folder they wrote', () => {
        const folders = [writeSimCloudsYaml(sim), writeSimCloudsYaml(sim)].map((path) => dirname(path));

        const removed = removeOperatorFiles();

        expect(removed).to.include.members(folders);
        for (const folder of folders) expect(existsSync(folder)).to.equal(false);
        expect(removeOperatorFiles()).to.deep.equal([]);
    });
});
