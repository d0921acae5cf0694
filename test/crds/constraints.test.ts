// Every schema constraint of the three kinds, case by case, from the schemas
// themselves: a value the API server rejects, naming the field, and the
// boundary value it accepts.
import type { KubernetesObjectApi } from '@kubernetes/client-node';
import { expect } from 'chai';

import { installCrds, objectApi, refusal, type Obj } from '../support/cluster.ts';
import {
    fullAdoptedVirtualMachine,
    fullElasticPool,
    fullTenant,
    fullVirtualMachine,
} from './full-objects.ts';
import { window } from './objects.ts';
import { constraintCases, specSchema, type ConstraintCase } from './schema-walk.ts';

const days = (n: number) =>
    Array.from({ length: n }, (_, i) => {
        const day = `2027-01-${String(i + 1).padStart(2, '0')}`;
        return window(`${day}T00:00:00Z`, `${day}T12:00:00Z`);
    });

const options = {
    noBoundary: {
        'spec.guarantee.ram': 'a CEL rule wants Mi, Gi or Ti; validation.test.ts accepts the largest quota',
        'spec.borrowingLimit.ram': 'as guarantee.ram',
        'spec.lendingLimit.ram': 'as guarantee.ram',
        'spec.updateStrategy.type': 'OnDelete refuses rollingUpdate; validation.test.ts accepts it alone',
    },
    // Overlapping windows are refused by a CEL rule, so the count cases need distinct days.
    items: { 'spec.schedule': days },
};

const suites: { kind: string; full: Obj; cases: ConstraintCase[] }[] = [
    {
        kind: 'Tenant',
        full: fullTenant,
        cases: constraintCases(specSchema('tenant.yaml'), fullTenant, options),
    },
    ...[fullVirtualMachine, fullAdoptedVirtualMachine].map((full) => ({
        kind: 'VirtualMachine',
        full,
        cases: constraintCases(specSchema('virtualmachine.yaml'), full, options),
    })),
    {
        kind: 'ElasticPool',
        full: fullElasticPool,
        cases: constraintCases(specSchema('elasticpool.yaml'), fullElasticPool, options),
    },
];

describe('schema constraints, from the schemas', function () {
    let api: KubernetesObjectApi;

    before(async () => {
        api = objectApi();
        await installCrds();
    });

    for (const suite of suites) {
        describe(`${suite.kind} ${suite.full.metadata?.name ?? ''}`, () => {
            it('should accept the object with every optional field set', async () => {
                await api.create(suite.full, undefined, 'All');
            });

            for (const c of suite.cases) {
                it(`should ${c.verdict} ${c.title}`, async () => {
                    const error = await api.create(c.object, undefined, 'All').then(
                        () => undefined,
                        (e: unknown) => e,
                    );

                    if (c.verdict === 'accept') {
                        expect(error && refusal(error).message).to.equal(undefined);
                        return;
                    }
                    expect(error, 'the API server accepted it').to.not.equal(undefined);
                    const { code, message } = refusal(error);
                    expect(code).to.equal(422);
                    expect(message).to.contain(`${c.field}:`);
                    expect(message).to.match(c.message ?? /./);
                });
            }
        });
    }

    it('should derive a case for each kind of constraint', () => {
        const titles = suites.flatMap((s) => s.cases.map((c) => c.title)).join('\n');

        for (const kind of [
            'without',
            'entries',
            'items',
            'duplicate',
            'NotAValue',
            'characters',
            'empty',
            '"!"',
        ]) {
            expect(titles).to.contain(kind);
        }
    });
});
