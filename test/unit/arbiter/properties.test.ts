import { expect } from 'chai';
import fc from 'fast-check';

import { arbitrate } from '../../../operator/arbiter/arbitrate.ts';
import { DEMO_SETTINGS } from '../../../operator/arbiter/settings.ts';
import type { ArbiterInput, Decision, PoolDemand, TenantDemand } from '../../../operator/arbiter/types.ts';
import {
    add,
    fitsIn,
    resources,
    sub,
    sum,
    times,
    wholeMachines,
    ZERO,
} from '../../../operator/arbiter/vector.ts';

const FLAVORS = [resources(1, 2, 4096), resources(1, 1, 1024), resources(1, 4, 2048)];
const UNIT = resources(1, 2, 4096);
const RUNS = { numRuns: 200 };

const tenantArb = fc.record({
    g: fc.nat(15),
    b: fc.nat(15),
    lend: fc.option(fc.nat(10), { nil: undefined }),
    maxPriority: fc.nat(10),
    mayPreemptGuarantees: fc.boolean(),
    fixed: fc.nat(4),
});

const poolArb = fc.record({
    tenant: fc.nat(3),
    priority: fc.nat(10),
    floor: fc.nat(3),
    desired: fc.nat(20),
    nextDesired: fc.nat(20),
    flavor: fc.nat(FLAVORS.length - 1),
    running: fc.nat(6),
    fixed: fc.boolean(),
    shelve: fc.boolean(),
});

const cloudArb = fc.record({
    capacity: fc.nat(60),
    tenants: fc.array(tenantArb, { minLength: 1, maxLength: 4 }),
    pools: fc.array(poolArb, { maxLength: 6 }),
    elapsedMs: fc.constantFrom(0, 1_000, 5_000, 60_000),
});

type Cloud = typeof cloudArb extends fc.Arbitrary<infer T> ? T : never;

/** Builds a first run at time 0; the second run changes demand after `elapsedMs`, from the first's grants. */
function inputs(cloud: Cloud): [ArbiterInput, (first: Decision) => ArbiterInput] {
    const tenants: TenantDemand[] = cloud.tenants.map((t, i) => ({
        name: `t${i}`,
        guarantee: times(UNIT, t.g),
        borrowingLimit: times(UNIT, t.b),
        ...(t.lend === undefined ? {} : { lendingLimit: times(UNIT, t.lend) }),
        maxPriority: t.maxPriority,
        mayPreemptGuarantees: t.mayPreemptGuarantees,
        createdAtMs: i,
    }));
    const pools: PoolDemand[] = cloud.pools.map((p, i) => ({
        key: `ns/p${i}`,
        tenant: `t${p.tenant % tenants.length}`,
        priority: p.priority,
        floor: p.floor,
        desired: p.desired,
        flavor: FLAVORS[p.flavor] ?? UNIT,
        releaseAction: p.shelve ? 'Shelve' : 'Delete',
        createdAtMs: i,
        fixed: p.fixed && i % 3 === 0,
    }));
    const first: ArbiterInput = {
        tenants,
        pools,
        tenantUsage: Object.fromEntries(
            cloud.tenants.map((t, i) => [`t${i}`, { fixed: times(UNIT, t.fixed), claims: ZERO }]),
        ),
        poolUsage: Object.fromEntries(
            cloud.pools.map((p, i) => [`ns/p${i}`, { running: p.running, parked: 0, notReady: 0 }]),
        ),
        capacity: times(UNIT, cloud.capacity),
        previous: {},
        nowMs: 0,
        settings: DEMO_SETTINGS,
    };
    const second = (decision: Decision): ArbiterInput => ({
        ...first,
        pools: pools.map((p, i) => ({ ...p, desired: cloud.pools[i]?.nextDesired ?? p.desired })),
        previous: decision.pools,
        nowMs: cloud.elapsedMs,
    });
    return [first, second];
}

/** Checks `check` on both runs of every generated cloud. */
function forEveryRun(check: (input: ArbiterInput, decision: Decision) => void): void {
    fc.assert(
        fc.property(cloudArb, (cloud) => {
            const [first, second] = inputs(cloud);
            const decision = arbitrate(first);
            check(first, decision);
            const input = second(decision);
            check(input, arbitrate(input));
        }),
        RUNS,
    );
}

function frozen(decision: Decision): boolean {
    return Object.values(decision.tenants).some((t) => t.conditions.includes('FloorsExceedCapacity'));
}

function guaranteesFit(input: ArbiterInput): boolean {
    return fitsIn(sum(input.tenants.map((t) => t.guarantee)), input.capacity);
}

describe('arbitrate: ARBITER.md properties for any inputs', () => {
    it('should grant nothing beyond capacity except floors already running', () => {
        forEveryRun((input, decision) => {
            const held = sum(Object.values(decision.tenants).map((t) => t.held));
            if (!frozen(decision)) return void expect(fitsIn(held, input.capacity)).to.equal(true);

            for (const pool of input.pools) {
                expect(decision.pools[pool.key]?.granted).to.be.at.most(
                    input.poolUsage[pool.key]?.running ?? 0,
                );
            }
        });
    });

    it('should never preempt a floor', () => {
        forEveryRun((input, decision) => {
            if (frozen(decision)) return;
            for (const pool of input.pools.filter((p) => !p.fixed)) {
                expect(decision.pools[pool.key]?.granted).to.be.at.least(pool.floor);
            }
        });
    });

    it('should leave no usable guarantee ungranted except to rule 5', () => {
        forEveryRun((input, decision) => {
            // Interpretation: a floor above its guarantee is still granted (rule 1) and may sit in another
            // tenant's guarantee when unguaranteed capacity is short; the Tenant says so.
            const overGuarantee = Object.values(decision.tenants).some((t) =>
                t.conditions.includes('FloorsExceedGuarantee'),
            );
            if (frozen(decision) || !guaranteesFit(input) || overGuarantee) return;
            const preempted = Object.values(decision.pools).some((p) => p.preempting > 0);
            for (const pool of input.pools.filter((p) => !p.fixed)) {
                const granted = decision.pools[pool.key]?.granted ?? 0;
                const tenant = input.tenants.find((t) => t.name === pool.tenant);
                const held = decision.tenants[pool.tenant]?.held ?? ZERO;
                if (!tenant || granted >= Math.max(pool.desired, pool.floor) || preempted) continue;
                expect(wholeMachines(sub(tenant.guarantee, held), pool.flavor)).to.equal(0);
            }
        });
    });

    it('should never grant a tenant beyond G + B except for its floors and fixed usage', () => {
        forEveryRun((input, decision) => {
            if (frozen(decision)) return;
            for (const tenant of input.tenants) {
                const pools = input.pools.filter((p) => p.tenant === tenant.name);
                const floors = sum(pools.map((p) => times(p.flavor, p.fixed ? 0 : p.floor)));
                const pinned = sum(
                    pools.map((p) => times(p.flavor, p.fixed ? (input.poolUsage[p.key]?.running ?? 0) : 0)),
                );
                const mandatory = add(add(input.tenantUsage[tenant.name]?.fixed ?? ZERO, floors), pinned);
                const limit = add(tenant.guarantee, tenant.borrowingLimit);
                if (!fitsIn(mandatory, limit)) continue;
                expect(fitsIn(decision.tenants[tenant.name]?.held ?? ZERO, limit)).to.equal(true);
            }
        });
    });

    it('should keep the sum of effective quotas within capacity when guarantees fit', () => {
        forEveryRun((input, decision) => {
            if (frozen(decision) || !guaranteesFit(input)) return;
            const effective = sum(Object.values(decision.tenants).map((t) => t.effective));
            expect(fitsIn(effective, input.capacity)).to.equal(true);
        });
    });

    it('should change nothing when re-run on its own output at a fixed clock', () => {
        forEveryRun((input, decision) => {
            const again = arbitrate({ ...input, previous: decision.pools });
            expect(again.pools).to.deep.equal(decision.pools);
            expect(again.tenants).to.deep.equal(decision.tenants);
            expect(again.reallocations).to.deep.equal([]);
        });
    });
});
