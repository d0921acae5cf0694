import { expect } from 'chai';

import { effectiveDesired, parseDurationMs } from '../../../operator/controllers/elasticpool/desired.ts';
import { readiness } from '../../../operator/controllers/elasticpool/status.ts';
import type { ElasticPoolSpec, ScheduleWindow } from '../../../operator/controllers/elasticpool/types.ts';

const NOW = Date.parse('2027-05-01T12:00:00Z');
const template = { spec: { flavor: { name: 'm1.small' }, image: { name: 'cirros' } } };

function spec(fields: Partial<ElasticPoolSpec>): ElasticPoolSpec {
    return { tenant: 't', template, minReplicas: 0, maxReplicas: 100, ...fields };
}

const electionDays: ScheduleWindow = {
    name: 'election-days',
    start: '2027-05-01T14:00:00+02:00', // 12:00Z: opens now
    end: '2027-05-03T00:00:00+02:00',
    replicas: 40,
};

describe('parseDurationMs', () => {
    const cases: [string | undefined, number][] = [
        ['30m', 1_800_000],
        ['1h30m', 5_400_000],
        ['90s', 90_000],
        ['1.5h', 5_400_000],
        [undefined, 0],
        ['soon', 0],
    ];
    for (const [text, ms] of cases) {
        it(`should read ${String(text)} as ${String(ms)} ms`, () => {
            expect(parseDurationMs(text)).to.equal(ms);
        });
    }
});

describe('effectiveDesired', () => {
    const cases: {
        name: string;
        spec: ElasticPoolSpec;
        nowMs?: number;
        expected: Partial<ReturnType<typeof effectiveDesired>>;
    }[] = [
        {
            name: 'use spec.replicas without a window',
            spec: spec({ replicas: 7 }),
            expected: { desired: 7, floor: 0, ceiling: 100, clamped: false, reason: 'spec.replicas' },
        },
        {
            name: 'fall back to the floor when no replicas are set',
            spec: spec({ minReplicas: 3 }),
            expected: { desired: 3, floor: 3, clamped: false, reason: 'floor (no replicas set)' },
        },
        {
            name: 'clamp spec.replicas to maxReplicas',
            spec: spec({ replicas: 1500, maxReplicas: 1200 }),
            expected: { desired: 1200, clamped: true, reason: 'clamped to maxReplicas 1200', base: 1500 },
        },
        {
            name: 'clamp spec.replicas up to minReplicas',
            spec: spec({ replicas: 1, minReplicas: 5 }),
            expected: { desired: 5, clamped: true, reason: 'clamped to minReplicas 5' },
        },
        {
            name: "use an open window's replicas",
            spec: spec({ replicas: 10, schedule: [electionDays] }),
            expected: {
                desired: 40,
                reason: 'window election-days',
                nextChangeMs: Date.parse(electionDays.end),
            },
        },
        {
            name: 'ignore a window that has not opened and point at it',
            spec: spec({ replicas: 10, schedule: [electionDays] }),
            nowMs: NOW - 60_000,
            expected: { desired: 10, reason: 'spec.replicas', nextChangeMs: NOW },
        },
        {
            name: 'open a window early by its lead time',
            spec: spec({ replicas: 10, schedule: [{ ...electionDays, leadTime: '30m' }] }),
            nowMs: NOW - 20 * 60_000,
            expected: {
                desired: 40,
                reason: 'window election-days',
                nextChangeMs: Date.parse(electionDays.end),
            },
        },
        {
            name: 'not open a window before its lead time',
            spec: spec({ replicas: 10, schedule: [{ ...electionDays, leadTime: '1h30m' }] }),
            nowMs: NOW - 91 * 60_000,
            expected: { desired: 10, nextChangeMs: NOW - 90 * 60_000 },
        },
        {
            name: 'close a window at its end',
            spec: spec({ replicas: 10, schedule: [electionDays] }),
            nowMs: Date.parse(electionDays.end),
            expected: { desired: 10, reason: 'spec.replicas', window: undefined, nextWindow: undefined },
        },
        {
            name: "raise the floor with a window's minReplicas and keep spec.replicas",
            spec: spec({
                replicas: 10,
                minReplicas: 2,
                schedule: [{ ...electionDays, replicas: undefined, minReplicas: 5 }],
            }),
            expected: { desired: 10, floor: 5, reason: 'spec.replicas in window election-days' },
        },
        {
            name: "clamp to a window's maxReplicas",
            spec: spec({
                replicas: 50,
                schedule: [{ ...electionDays, replicas: undefined, maxReplicas: 20 }],
            }),
            expected: {
                desired: 20,
                ceiling: 20,
                clamped: true,
                reason: 'clamped to window election-days maxReplicas 20',
            },
        },
        {
            name: "clamp a window's replicas to spec.maxReplicas",
            spec: spec({ maxReplicas: 30, schedule: [electionDays] }),
            expected: { desired: 30, clamped: true, reason: 'clamped to maxReplicas 30' },
        },
        {
            name: 'let the ceiling win over a window floor above it',
            spec: spec({
                maxReplicas: 30,
                schedule: [{ ...electionDays, replicas: undefined, minReplicas: 50 }],
            }),
            expected: { desired: 30, floor: 30, ceiling: 30, clamped: false },
        },
        {
            name: 'name a window without a name by its start',
            spec: spec({ schedule: [{ ...electionDays, name: undefined }] }),
            expected: { desired: 40, reason: `window ${electionDays.start}` },
        },
    ];

    for (const c of cases) {
        it(`should ${c.name}`, () => {
            const got = effectiveDesired(c.spec, c.nowMs ?? NOW);
            for (const [key, value] of Object.entries(c.expected)) {
                expect(got[key as keyof typeof got], key).to.deep.equal(value);
            }
        });
    }

    it('should report the open window and the next one to open', () => {
        const later: ScheduleWindow = {
            name: 'later',
            start: '2027-06-01T00:00:00Z',
            end: '2027-06-02T00:00:00Z',
            replicas: 1,
        };
        const got = effectiveDesired(spec({ schedule: [later, electionDays] }), NOW);
        expect(got.window).to.deep.equal({
            name: 'election-days',
            start: electionDays.start,
            end: electionDays.end,
        });
        expect(got.nextWindow).to.deep.equal(got.window);

        const after = effectiveDesired(
            spec({ schedule: [later, electionDays] }),
            Date.parse(electionDays.end),
        );
        expect(after.window).to.equal(undefined);
        expect(after.nextWindow).to.deep.equal({ name: 'later', start: later.start, end: later.end });
        expect(after.nextChangeMs).to.equal(Date.parse(later.start));
    });
});

describe('pool readiness', () => {
    const counts = (readyReplicas: number) => ({ replicas: readyReplicas, readyReplicas, parkedReplicas: 0 });

    it('should be Ready at its grant when granted less than desired, saying what it wants', () => {
        expect(readiness(counts(0), 0, 0, 1000)).to.deep.equal({
            ready: true,
            reason: 'Success',
            message: '0 of 0 machines ready (granted 0 of 1000 desired)',
        });
        expect(readiness(counts(3), 3, 0, 3).message).to.equal('3 of 3 machines ready');
    });

    it('should be Progressing below its grant and BelowFloor below a floor it is not granted', () => {
        expect(readiness(counts(2), 3, 0)).to.include({ ready: false, reason: 'Progressing' });
        expect(readiness(counts(1), 1, 2, 5)).to.include({
            ready: false,
            reason: 'BelowFloor',
            message: '1 of 1 machines ready (granted 1 of 5 desired), below the floor of 2',
        });
    });
});
