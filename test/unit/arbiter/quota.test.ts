import { expect } from 'chai';

import { apportion } from '../../../operator/arbiter/apportion.ts';
import { appliedQuota, effectiveQuota } from '../../../operator/arbiter/quota.ts';
import { machinesCovering, resources, wholeMachines } from '../../../operator/arbiter/vector.ts';
import { m } from './demo-cloud.ts';

describe('quota follows the grants', () => {
    it('should compute effective as G + borrowed − lent per dimension', () => {
        expect(effectiveQuota(m(1200), m(0), m(840))).to.deep.equal(m(360));
        expect(effectiveQuota(m(200), m(810), m(0))).to.deep.equal(m(1010));
    });

    it('should apply the counted usage when it is above effective', () => {
        const servers = { active: m(390), shelved: m(810) };
        expect(appliedQuota(m(390), servers, 'default')).to.deep.equal(resources(1200, 2400, 4_915_200));
        expect(appliedQuota(m(390), servers, 'placement')).to.deep.equal(resources(1200, 780, 1_597_440));
    });

    it('should apply effective when usage is below it', () => {
        expect(appliedQuota(m(360), { active: m(200), shelved: m(0) }, 'default')).to.deep.equal(m(360));
    });
});

describe('vector arithmetic and apportionment', () => {
    const cases = [
        { room: resources(10, 7, 40_000), size: resources(1, 2, 4096), expected: 3 },
        { room: resources(2, 100, 100_000), size: resources(1, 2, 4096), expected: 2 },
        { room: resources(5, -1, 0), size: resources(1, 0, 0), expected: 5 },
    ];
    for (const c of cases) {
        it(`should fit ${c.expected} whole machines in ${JSON.stringify(c.room)}`, () => {
            expect(wholeMachines(c.room, c.size)).to.equal(c.expected);
        });
    }

    it('should count the machines covering a need', () => {
        expect(machinesCovering(resources(3, 3, 0), resources(1, 2, 4096), 100)).to.equal(3);
    });

    it('should split 1,000 as 840/160 over idle 1,000/190 (ARBITER.md scenario 1)', () => {
        expect(apportion(1000, [0, 1000, 190])).to.deep.equal([0, 840, 160]);
        expect(apportion(100, [0, 100, 19])).to.deep.equal([0, 84, 16]);
    });

    it('should give ties to the earlier weight and never pass a weight', () => {
        expect(apportion(3, [5, 5])).to.deep.equal([2, 1]);
        expect(apportion(9, [2, 3])).to.deep.equal([2, 3]);
    });
});
