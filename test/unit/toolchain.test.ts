import { expect } from 'chai';

describe('the toolchain', () => {
    it('should run on the Node.js 24 that package.json pins, not the system Node', () => {
        expect(process.versions.node.split('.')[0]).to.equal('24');
    });
});
