// Every CEL rule in crds/ has a hand-written case that the API server must
// refuse with the rule's message (the cases run in test/crds/). A new rule
// without a case fails here, before any cluster is needed.
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

import { expect } from 'chai';
import { load } from 'js-yaml';

import { rejected } from '../../crds/admission-cases.ts';
import { refused } from '../../crds/update-cases.ts';

interface Rule {
    rule: string;
    message: string;
}

const crdFolder = resolve(import.meta.dirname, '../../../crds');

function rules(node: unknown, found: Rule[] = []): Rule[] {
    if (Array.isArray(node)) {
        for (const child of node) rules(child, found);
    } else if (node !== null && typeof node === 'object') {
        for (const [key, child] of Object.entries(node)) {
            if (key === 'x-kubernetes-validations') found.push(...(child as Rule[]));
            else rules(child, found);
        }
    }
    return found;
}

const messages = [...rejected, ...refused].flatMap((c) => (c.message ? [c.message] : []));

describe('CEL rule coverage', () => {
    for (const file of readdirSync(crdFolder).filter((f) => f.endsWith('.yaml'))) {
        it(`should have a refusing case for every rule of ${file}`, () => {
            const all = rules(load(readFileSync(resolve(crdFolder, file), 'utf8')));
            const uncovered = all.filter((r) => !messages.some((m) => m.test(r.message))).map((r) => r.rule);

            expect(all.length).to.be.greaterThan(3);
            expect(uncovered).to.deep.equal([]);
        });
    }
});
