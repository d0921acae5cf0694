import { expect } from 'chai';

import { PriorityPicker, type Priority } from '../../../operator/runtime/priority-picker.ts';

/** Picks `count` times with the given classes always waiting, and returns what was served. */
function serve(waiting: Priority[], count: number): Priority[] {
    const picker = new PriorityPicker({ normalSkipLimit: 2, resyncSkipLimit: 3 });
    return Array.from(
        { length: count },
        () => picker.pick((p) => waiting.includes(p)) ?? 'none',
    ) as Priority[];
}

describe('PriorityPicker', () => {
    const cases: { name: string; waiting: Priority[]; expected: string[] }[] = [
        { name: 'serve nothing when nothing waits', waiting: [], expected: ['none', 'none'] },
        {
            name: 'serve the only waiting class',
            waiting: ['resync'],
            expected: ['resync', 'resync', 'resync'],
        },
        {
            name: 'give normal work a share behind continuous urgent work',
            waiting: ['urgent', 'normal'],
            expected: ['urgent', 'urgent', 'normal', 'urgent', 'urgent', 'normal'],
        },
        {
            name: 'give resync work a share behind continuous normal work',
            waiting: ['normal', 'resync'],
            expected: ['normal', 'normal', 'normal', 'resync', 'normal', 'normal', 'normal', 'resync'],
        },
        {
            name: 'serve every class when all wait, urgent most often',
            waiting: ['urgent', 'normal', 'resync'],
            expected: ['urgent', 'urgent', 'normal', 'resync', 'urgent', 'urgent', 'normal', 'resync'],
        },
    ];

    for (const { name, waiting, expected } of cases) {
        it(`should ${name}`, () => {
            expect(serve(waiting, expected.length)).to.deep.equal(expected);
        });
    }
});
