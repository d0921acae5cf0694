import { expect } from 'chai';

import { arbitrate } from '../../../operator/arbiter/arbitrate.ts';
import { ZERO } from '../../../operator/arbiter/vector.ts';
import { grants, input, pool, tenant } from './builders.ts';
import { m } from './demo-cloud.ts';

describe('arbitrate: rule 1, floors', () => {
    it('should grant a floor above the guarantee and say FloorsExceedGuarantee', () => {
        const decision = arbitrate(
            input(10, [tenant('a', { guarantee: m(2) })], [pool('a/p', 'a', { floor: 4, desired: 4 })]),
        );

        expect(grants(decision)).to.deep.equal({ 'a/p': 4 });
        expect(decision.tenants.a?.conditions).to.deep.equal(['FloorsExceedGuarantee']);
    });

    it('should make no new grant and preempt nothing when floors exceed capacity', () => {
        const tenants = [tenant('a', { guarantee: m(5) }), tenant('b', { guarantee: m(5) })];
        const pools = [
            pool('a/p', 'a', { floor: 6, desired: 8 }),
            pool('b/q', 'b', { floor: 6, desired: 6 }),
        ];
        const decision = arbitrate(input(10, tenants, pools, { 'a/p': 7, 'b/q': 2 }));

        expect(grants(decision)).to.deep.equal({ 'a/p': 7, 'b/q': 2 });
        expect(decision.tenants.a?.conditions).to.include('FloorsExceedCapacity');
        expect(decision.tenants.b?.conditions).to.include('FloorsExceedCapacity');
    });

    it('should count a paused pool as fixed usage and never change it', () => {
        const pools = [pool('a/paused', 'a', { fixed: true, desired: 0 }), pool('a/p', 'a', { desired: 10 })];
        const decision = arbitrate(input(10, [tenant('a', { guarantee: m(10) })], pools, { 'a/paused': 3 }));

        expect(grants(decision)).to.deep.equal({ 'a/p': 7, 'a/paused': 3 });
        expect(decision.pools['a/paused']?.actions).to.deep.include({ deleteRunning: 0, create: 0 });
    });
});

describe('arbitrate: rule 2, guarantees', () => {
    const cases = [
        {
            name: 'share a guarantee by priority within a tenant',
            pools: [
                pool('a/low', 'a', { priority: 1, desired: 8 }),
                pool('a/high', 'a', { priority: 5, desired: 8 }),
            ],
            expected: { 'a/high': 8, 'a/low': 2 },
        },
        {
            name: 'break equal priorities by creation time',
            pools: [
                pool('a/new', 'a', { createdAtMs: 2, desired: 6 }),
                pool('a/old', 'a', { createdAtMs: 1, desired: 6 }),
            ],
            expected: { 'a/old': 6, 'a/new': 4 },
        },
        {
            name: 'clamp a priority to the tenant maxPriority',
            pools: [
                pool('a/clamped', 'a', { priority: 99, desired: 6 }),
                pool('a/older', 'a', { priority: 3, createdAtMs: -1, desired: 6 }),
            ],
            expected: { 'a/older': 6, 'a/clamped': 4 },
        },
    ];
    for (const c of cases) {
        it(`should ${c.name}`, () => {
            const decision = arbitrate(
                input(100, [tenant('a', { guarantee: m(10), maxPriority: 3 })], c.pools),
            );
            expect(grants(decision)).to.deep.equal(c.expected);
        });
    }

    it('should grant guarantees in priority order when they exceed capacity', () => {
        const tenants = [tenant('a', { guarantee: m(8) }), tenant('b', { guarantee: m(8) })];
        const pools = [
            pool('a/p', 'a', { priority: 1, desired: 8 }),
            pool('b/q', 'b', { priority: 2, desired: 8 }),
        ];
        const decision = arbitrate(input(10, tenants, pools));

        expect(grants(decision)).to.deep.equal({ 'b/q': 8, 'a/p': 2 });
        expect(decision.tenants.a?.conditions).to.deep.equal(['GuaranteesExceedCapacity']);
    });
});

describe('arbitrate: rule 3, borrowing', () => {
    it('should use unguaranteed capacity first, so nobody lends', () => {
        const tenants = [tenant('a', { guarantee: m(4) }), tenant('b', { borrowingLimit: m(10) })];
        const decision = arbitrate(input(10, tenants, [pool('b/q', 'b', { desired: 6 })]));

        expect(grants(decision)).to.deep.equal({ 'b/q': 6 });
        expect(decision.tenants.a?.lent).to.deep.equal(ZERO);
        expect(decision.tenants.b?.effective).to.deep.equal(m(6));
    });

    it('should stop at the lending limit and at G + B', () => {
        const tenants = [
            tenant('a', { guarantee: m(10), lendingLimit: m(3) }),
            tenant('b', { borrowingLimit: m(2) }),
            tenant('c', { borrowingLimit: m(10) }),
        ];
        const pools = [
            pool('b/q', 'b', { priority: 2, desired: 9 }),
            pool('c/r', 'c', { priority: 1, desired: 9 }),
        ];
        const decision = arbitrate(input(10, tenants, pools));

        expect(grants(decision)).to.deep.equal({ 'b/q': 2, 'c/r': 1 });
        expect(decision.tenants.a?.lent).to.deep.equal(m(3));
    });

    it('should attribute lending by largest remainder, ties to the older tenant', () => {
        const tenants = [
            tenant('young', { guarantee: m(5), createdAtMs: 2 }),
            tenant('old', { guarantee: m(5), createdAtMs: 1 }),
            tenant('b', { borrowingLimit: m(10) }),
        ];
        const decision = arbitrate(input(10, tenants, [pool('b/q', 'b', { desired: 3 })]));

        expect(decision.tenants.old?.lent).to.deep.equal(m(2));
        expect(decision.tenants.young?.lent).to.deep.equal(m(1));
    });
});

describe('arbitrate: rule 4, reclaim', () => {
    it('should take back borrowed grants lowest priority first, whatever the priorities', () => {
        const tenants = [
            tenant('a', { guarantee: m(10) }),
            tenant('b', { borrowingLimit: m(10) }),
            tenant('c', { borrowingLimit: m(10) }),
        ];
        const pools = [
            pool('a/p', 'a', { desired: 0 }),
            pool('b/q', 'b', { priority: 9, desired: 5 }),
            pool('c/r', 'c', { priority: 1, desired: 5 }),
        ];
        const first = arbitrate(input(10, tenants, pools));
        const claimed = pools.map((p) => (p.key === 'a/p' ? { ...p, desired: 4 } : p));
        const second = arbitrate({ ...input(10, tenants, claimed), previous: first.pools, nowMs: 1 });

        expect(grants(second)).to.deep.equal({ 'b/q': 5, 'c/r': 1, 'a/p': 4 });
        expect(second.reallocations.filter((r) => r.rule === 4)).to.deep.equal([
            { rule: 4, from: 'c/r', to: 'a/p', replicas: 4 },
        ]);
        expect(second.pools['c/r']?.reclaimsMs).to.deep.equal([1]);
    });
});

describe('arbitrate: rule 5, emergency preemption', () => {
    const tenants = (mayPreemptGuarantees: boolean) => [
        tenant('v', { guarantee: m(8) }),
        tenant('t', { guarantee: m(2), borrowingLimit: m(4), mayPreemptGuarantees }),
    ];
    const pools = (takerPriority: number) => [
        pool('v/p', 'v', { priority: 5, floor: 3, desired: 8 }),
        pool('t/q', 't', { priority: takerPriority, desired: 10 }),
    ];

    it('should take guarantees above floors of lower priority, within its own G + B', () => {
        const decision = arbitrate(input(10, tenants(true), pools(9)));

        expect(grants(decision)).to.deep.equal({ 't/q': 6, 'v/p': 4 });
        expect(decision.tenants.v?.lent).to.deep.equal(m(4));
        expect(decision.tenants.t?.effective).to.deep.equal(m(6));
    });

    it('should never go below the victim floor', () => {
        const bigger = tenants(true).map((t) => (t.name === 't' ? { ...t, borrowingLimit: m(20) } : t));
        expect(grants(arbitrate(input(10, bigger, pools(9))))).to.deep.equal({ 't/q': 7, 'v/p': 3 });
    });

    const refused = [
        { name: 'a tenant not allowed to preempt', allowed: false, priority: 9 },
        { name: 'an equal priority', allowed: true, priority: 5 },
    ];
    for (const c of refused) {
        it(`should not preempt for ${c.name}`, () => {
            const decision = arbitrate(input(10, tenants(c.allowed), pools(c.priority)));
            expect(grants(decision)).to.deep.equal({ 'v/p': 8, 't/q': 2 });
        });
    }
});
