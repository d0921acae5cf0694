import { expect } from 'chai';

import { chooseVictims, planActions, type ReplicaDescriptor } from '../../../operator/arbiter/victims.ts';

describe('planActions (rule 6)', () => {
    const cases = [
        {
            name: 'shelve machines released within the desired count',
            args: [390, 1200, { running: 1200, parked: 0, notReady: 0 }, 'Shelve'] as const,
            expected: { shelve: 810, deleteRunning: 0, deleteParked: 0, unshelve: 0, create: 0 },
        },
        {
            name: 'unshelve parked machines before creating',
            args: [1200, 1200, { running: 390, parked: 800, notReady: 0 }, 'Shelve'] as const,
            expected: { shelve: 0, deleteRunning: 0, deleteParked: 0, unshelve: 800, create: 10 },
        },
        {
            name: 'delete released machines when the release action is Delete',
            args: [10, 1010, { running: 1010, parked: 0, notReady: 0 }, 'Delete'] as const,
            expected: { shelve: 0, deleteRunning: 1000, deleteParked: 0, unshelve: 0, create: 0 },
        },
        {
            name: 'delete parked machines first when shrinking below the parked count',
            args: [300, 200, { running: 390, parked: 810, notReady: 0 }, 'Shelve'] as const,
            expected: { shelve: 0, deleteRunning: 90, deleteParked: 810, unshelve: 0, create: 0 },
        },
        {
            name: 'delete machines past the desired count and park the rest',
            args: [100, 150, { running: 200, parked: 0, notReady: 0 }, 'Shelve'] as const,
            expected: { shelve: 50, deleteRunning: 50, deleteParked: 0, unshelve: 0, create: 0 },
        },
    ];
    for (const c of cases) {
        it(`should ${c.name}`, () => {
            const [granted, wanted, usage, release] = c.args;
            expect(planActions(granted, wanted, usage, release)).to.deep.equal(c.expected);
        });
    }
});

describe('chooseVictims (rule 6)', () => {
    const replicas: ReplicaDescriptor[] = [
        { name: 'ready-old', state: 'Ready', createdAtMs: 1 },
        { name: 'ready-new', state: 'Ready', createdAtMs: 5 },
        { name: 'booting', state: 'NotReady', createdAtMs: 2 },
        { name: 'parked-old', state: 'Parked', createdAtMs: 0 },
        { name: 'parked-new', state: 'Parked', createdAtMs: 3 },
    ];

    it('should give up parked, then not ready, then the newest machines', () => {
        const actions = { shelve: 1, deleteRunning: 1, deleteParked: 1, unshelve: 0, create: 0 };
        expect(chooseVictims(replicas, actions)).to.deep.equal({
            deleteParked: ['parked-new'],
            deleteRunning: ['booting'],
            shelve: ['ready-new'],
            unshelve: [],
        });
    });

    it('should unshelve the oldest parked machines first', () => {
        const actions = { shelve: 0, deleteRunning: 0, deleteParked: 0, unshelve: 1, create: 0 };
        expect(chooseVictims(replicas, actions).unshelve).to.deep.equal(['parked-old']);
    });
});
