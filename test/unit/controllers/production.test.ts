import { expect } from 'chai';

import { selected } from '../../../operator/controllers/production.ts';

describe("the operator's object selector", () => {
    it('should accept only objects carrying every selected label', () => {
        const accepts = selected({ 'bascule.io/test-run': 'r1', tier: 'a' });

        expect(
            accepts({ metadata: { labels: { 'bascule.io/test-run': 'r1', tier: 'a', x: 'y' } } }),
        ).to.equal(true);
        expect(accepts({ metadata: { labels: { 'bascule.io/test-run': 'r1' } } })).to.equal(false);
        expect(accepts({ metadata: { labels: { 'bascule.io/test-run': 'r2', tier: 'a' } } })).to.equal(false);
        expect(accepts({ metadata: {} })).to.equal(false);
    });
});
