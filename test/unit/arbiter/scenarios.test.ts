import { expect } from 'chai';

import { arbitrate } from '../../../operator/arbiter/arbitrate.ts';
import { appliedQuota } from '../../../operator/arbiter/quota.ts';
import type { ArbiterInput, Decision } from '../../../operator/arbiter/types.ts';
import { demoCloud, m, next } from './demo-cloud.ts';

const ELECTIONS = 'elections/elections-web';
const ALERTS = 'alerts/alerts-front';
const ANALYTICS = 'analytics/analytics-batch';

interface Expected {
    running: [number, number, number];
    parked: number;
    effective: [number, number, number, number];
    lent: [number, number];
}

// ARBITER.md, "Running (parked) machines, converged" and "Effective quota": elections, alerts, analytics
// (and background for quotas); lent is elections', alerts'.
const TABLE = {
    start: { running: [200, 10, 0], parked: 0, effective: [1200, 200, 0, 1000], lent: [0, 0] },
    lend: { running: [200, 10, 1000], parked: 0, effective: [360, 40, 1000, 1000], lent: [840, 160] },
    reclaim: { running: [1200, 10, 190], parked: 0, effective: [1200, 10, 190, 1000], lent: [0, 190] },
    emergency: { running: [390, 1010, 0], parked: 810, effective: [390, 1010, 0, 1000], lent: [810, 0] },
    return: { running: [1200, 10, 190], parked: 0, effective: [1200, 10, 190, 1000], lent: [0, 190] },
} satisfies Record<string, Expected>;

function assertConverged(input: ArbiterInput, decision: Decision, expected: Expected, divisor: number): void {
    const n = (x: number): number => x / divisor;
    const after = next(input, decision, {}, 0).poolUsage;

    expect([ELECTIONS, ALERTS, ANALYTICS].map((k) => decision.pools[k]?.granted)).to.deep.equal(
        expected.running.map(n),
    );
    expect([ELECTIONS, ALERTS, ANALYTICS].map((k) => after[k]?.running)).to.deep.equal(
        expected.running.map(n),
    );
    expect(after[ELECTIONS]?.parked).to.equal(n(expected.parked));

    const effective = ['elections', 'alerts', 'analytics', 'background'].map(
        (t) => decision.tenants[t]?.effective,
    );
    expect(effective).to.deep.equal(expected.effective.map((x) => m(n(x))));
    expect(decision.tenants.elections?.lent).to.deep.equal(m(n(expected.lent[0])));
    expect(decision.tenants.alerts?.lent).to.deep.equal(m(n(expected.lent[1])));
}

/** Plays ARBITER.md's four scenarios in a chain, each from the previous decision, a minute apart. */
function play(divisor: number): { inputs: ArbiterInput[]; decisions: Decision[] } {
    const n = (x: number): number => x / divisor;
    const inputs: ArbiterInput[] = [demoCloud(divisor)];
    const decisions: Decision[] = [];
    const steps = [
        { [ANALYTICS]: n(1000) },
        { [ELECTIONS]: n(1200) },
        { [ALERTS]: n(1010) },
        { [ALERTS]: n(10) },
    ];

    for (const desired of [{}, ...steps]) {
        const last = decisions.at(-1);
        const prev = inputs.at(-1);
        const input = last && prev ? next(prev, last, desired) : (prev ?? demoCloud(divisor));
        if (last) inputs.push(input);
        decisions.push(arbitrate(input));
    }
    return { inputs, decisions };
}

for (const divisor of [1, 10]) {
    describe(`arbitrate: ARBITER.md's four scenarios at 1/${divisor} scale`, () => {
        const { inputs, decisions } = play(divisor);
        const n = (x: number): number => x / divisor;
        const names = ['start', 'lend', 'reclaim', 'emergency', 'return'] as const;

        names.forEach((name, i) => {
            it(`should converge to the ${name} row of the end-state tables`, () => {
                const input = inputs[i];
                const decision = decisions[i];
                if (!input || !decision) throw new Error('scenario missing');
                assertConverged(input, decision, TABLE[name], divisor);
            });
        });

        it('should lend idle guarantee to analytics without preempting anyone (scenario 1)', () => {
            const lend = decisions[1]?.reallocations ?? [];
            expect(lend).to.deep.equal([
                { rule: 3, from: 'elections', to: ANALYTICS, replicas: n(840) },
                { rule: 3, from: 'alerts', to: ANALYTICS, replicas: n(160) },
            ]);
        });

        it('should reclaim 810 from analytics for elections under rule 4 (scenario 2)', () => {
            const reclaims = (decisions[2]?.reallocations ?? []).filter((r) => r.rule === 4);
            expect(reclaims).to.deep.equal([{ rule: 4, from: ANALYTICS, to: ELECTIONS, replicas: n(810) }]);
        });

        it('should reclaim 190 and preempt 810 of elections for alerts (scenario 3)', () => {
            const moves = (decisions[3]?.reallocations ?? []).filter((r) => r.rule !== 3);
            expect(moves).to.deep.equal([
                { rule: 4, from: ANALYTICS, to: ALERTS, replicas: n(190) },
                { rule: 5, from: ELECTIONS, to: ALERTS, replicas: n(810) },
            ]);
            expect(decisions[3]?.pools[ELECTIONS]?.actions).to.deep.include({
                shelve: n(810),
                deleteRunning: 0,
            });
        });

        it('should apply elections 1,200 instances after scenario 3 in both counting modes', () => {
            const effective = decisions[3]?.tenants.elections?.effective ?? m(0);
            const servers = { active: m(n(390)), shelved: m(n(810)) };
            expect(appliedQuota(effective, servers, 'default')).to.deep.equal(m(n(1200)));
            expect(appliedQuota(effective, servers, 'placement')).to.deep.equal({
                instances: n(1200),
                cores: n(780),
                ramMiB: n(1_597_440),
            });
        });

        it('should unshelve elections and delete alerts extras on return (scenario 4)', () => {
            expect(decisions[4]?.pools[ELECTIONS]?.actions).to.deep.include({ unshelve: n(810), create: 0 });
            expect(decisions[4]?.pools[ALERTS]?.actions).to.deep.include({ deleteRunning: n(1000) });
        });

        it('should change nothing when re-run on its own output at the same clock', () => {
            decisions.forEach((decision, i) => {
                const input = inputs[i];
                if (!input) throw new Error('scenario missing');
                const again = arbitrate({ ...input, previous: decision.pools });
                expect(again.pools).to.deep.equal(decision.pools);
                expect(again.tenants).to.deep.equal(decision.tenants);
                expect(again.reallocations).to.deep.equal([]);
            });
        });
    });
}
