import { expect } from 'chai';

import { arbitrate } from '../../../operator/arbiter/arbitrate.ts';
import { DEMO_SETTINGS, PRODUCTION_SETTINGS } from '../../../operator/arbiter/settings.ts';
import type { ArbiterInput, Decision } from '../../../operator/arbiter/types.ts';
import { grants, input, pool, tenant } from './builders.ts';
import { m } from './demo-cloud.ts';

const SECOND_MS = 1000;

/** Two borrowers of equal priority; the older one's demand grows while the newer one borrows it all. */
function borrowers(): { start: ArbiterInput; first: Decision } {
    const tenants = [tenant('a', { borrowingLimit: m(10) }), tenant('b', { borrowingLimit: m(10) })];
    const pools = [
        pool('a/old', 'a', { createdAtMs: 1, desired: 0 }),
        pool('b/new', 'b', { createdAtMs: 2, desired: 10 }),
    ];
    const start = input(10, tenants, pools);
    return { start, first: arbitrate(start) };
}

function later(start: ArbiterInput, previous: Decision, nowMs: number, oldDesired: number): ArbiterInput {
    const pools = start.pools.map((p) => (p.key === 'a/old' ? { ...p, desired: oldDesired } : p));
    return { ...start, pools, previous: previous.pools, nowMs };
}

describe('arbitrate: rule 7, stability', () => {
    it('should name production and demo settings as ARBITER.md lists them', () => {
        expect(PRODUCTION_SETTINGS).to.deep.equal({
            minimumResidencyMs: 300_000,
            hysteresisMs: 60_000,
            reclaimBackoffCount: 3,
            reclaimBackoffWindowMs: 1_800_000,
        });
        expect(DEMO_SETTINGS).to.deep.equal({
            minimumResidencyMs: 10_000,
            hysteresisMs: 2_000,
            reclaimBackoffCount: 3,
            reclaimBackoffWindowMs: 300_000,
        });
    });

    it('should not move a borrowed grant before the demand has held for the hysteresis period', () => {
        const { start, first } = borrowers();
        const changed = arbitrate(later(start, first, 20 * SECOND_MS, 4));
        const settled = arbitrate(later(start, changed, 21 * SECOND_MS, 4));
        const held = arbitrate(later(start, settled, 22 * SECOND_MS, 4));

        expect(grants(changed)).to.deep.equal({ 'a/old': 0, 'b/new': 10 });
        expect(grants(settled)).to.deep.equal({ 'a/old': 0, 'b/new': 10 });
        expect(grants(held)).to.deep.equal({ 'a/old': 4, 'b/new': 6 });
        expect(held.reallocations[0]).to.deep.equal({ rule: 3, from: 'b/new', to: 'a/old', replicas: 4 });
    });

    it('should not take from an equal-priority borrower younger than the minimum residency', () => {
        const { start, first } = borrowers();
        const changed = arbitrate(later(start, first, 1 * SECOND_MS, 4));
        const young = arbitrate(later(start, changed, 5 * SECOND_MS, 4));
        const resident = arbitrate(later(start, young, 10 * SECOND_MS, 4));

        expect(grants(young)).to.deep.equal({ 'a/old': 0, 'b/new': 10 });
        expect(grants(resident)).to.deep.equal({ 'a/old': 4, 'b/new': 6 });
    });

    it('should back a pool off for T after N reclaims within T', () => {
        const tenants = [tenant('g', { guarantee: m(10) }), tenant('b', { borrowingLimit: m(10) })];
        const pools = [pool('g/claim', 'g', { desired: 0 }), pool('b/borrower', 'b', { desired: 10 })];
        let previous = arbitrate(input(10, tenants, pools)).pools;
        let nowMs = 0;

        for (let i = 0; i < 3; i++) {
            for (const claim of [5, 0]) {
                nowMs += SECOND_MS;
                const run = pools.map((p) => (p.key === 'g/claim' ? { ...p, desired: claim } : p));
                previous = arbitrate({ ...input(10, tenants, run), previous, nowMs }).pools;
            }
        }

        expect(previous['b/borrower']?.granted).to.equal(5);
        expect(previous['b/borrower']?.reclaimsMs).to.deep.equal([1000, 3000, 5000]);
        const after = (ms: number) =>
            arbitrate({ ...input(10, tenants, pools), previous, nowMs: ms }).pools['b/borrower']?.granted;
        expect(after(5000 + 299_999)).to.equal(5);
        expect(after(5000 + 300_000)).to.equal(10);
    });

    it('should reclaim at once, ignoring residency and hysteresis', () => {
        const tenants = [tenant('g', { guarantee: m(10) }), tenant('b', { borrowingLimit: m(10) })];
        const pools = [pool('g/claim', 'g', { desired: 0 }), pool('b/borrower', 'b', { desired: 10 })];
        const first = arbitrate(input(10, tenants, pools));
        const run = pools.map((p) => (p.key === 'g/claim' ? { ...p, desired: 7 } : p));
        const second = arbitrate({ ...input(10, tenants, run), previous: first.pools, nowMs: 1 });

        expect(grants(second)).to.deep.equal({ 'g/claim': 7, 'b/borrower': 3 });
    });
});
