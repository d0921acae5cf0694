// ElasticPool's spec.template.spec repeats VirtualMachine's spec schema (CRD files
// cannot share one). This keeps the copies in step; the only differences allowed
// are the ones a template needs.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { expect } from 'chai';
import { load } from 'js-yaml';

interface Schema {
    description?: string;
    default?: unknown;
    properties?: Record<string, Schema>;
    items?: Schema;
    'x-kubernetes-validations'?: { rule: string }[];
    [key: string]: unknown;
}

interface Crd {
    spec: { versions: { schema: { openAPIV3Schema: Schema } }[] };
}

function specSchema(file: string): Schema {
    const crd = load(readFileSync(resolve(import.meta.dirname, '../../../crds', file), 'utf8')) as Crd;
    const spec = crd.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
    if (!spec) {
        throw new Error(`${file} has no spec schema`);
    }
    return spec;
}

/** The schema without descriptions, defaults and transition rules (rules that read oldSelf). */
function comparable(schema: Schema): Schema {
    const out: Schema = {};
    for (const [key, value] of Object.entries(schema)) {
        if (key === 'description' || key === 'default') {
            continue;
        }
        if (key === 'x-kubernetes-validations') {
            const rules = (value as { rule: string }[]).filter((r) => !r.rule.includes('oldSelf'));
            if (rules.length > 0) {
                out[key] = rules;
            }
            continue;
        }
        out[key] =
            value !== null && typeof value === 'object' && !Array.isArray(value)
                ? comparable(value as Schema)
                : value;
    }
    return out;
}

const machine = specSchema('virtualmachine.yaml');
const template = specSchema('elasticpool.yaml').properties?.template?.properties?.spec;

describe("ElasticPool's template schema", () => {
    it("should match VirtualMachine's spec, field for field", () => {
        const own = ['tenant', 'adopt', 'parked'];
        const expected = Object.fromEntries(
            Object.entries(machine.properties ?? {})
                .filter(([name]) => !own.includes(name))
                .map(([name, s]) => [name, comparable(s)]),
        );
        const actual = Object.fromEntries(
            Object.entries(template?.properties ?? {})
                .filter(([name]) => name !== 'tenant')
                .map(([name, s]) => [name, comparable(s)]),
        );

        expect(actual).to.deep.equal(expected);
    });

    it('should keep no immutability rule: a template change rolls the machines instead', () => {
        expect(JSON.stringify(template)).to.not.include('oldSelf');
    });

    it('should default recovery to Recreate in a template and to Report for a standalone machine', () => {
        const recovery = (s: Schema | undefined) => s?.properties?.recovery?.properties;

        expect(recovery(template)?.onError?.default).to.equal('Recreate');
        expect(recovery(template)?.onLost?.default).to.equal('Recreate');
        expect(recovery(machine)?.onError?.default).to.equal('Report');
        expect(recovery(machine)?.onLost?.default).to.equal('Report');
    });

    it('should refuse a tenant in a template rather than prune it silently', () => {
        const rules = template?.['x-kubernetes-validations']?.map((r) => r.rule);

        expect(rules).to.include('!has(self.tenant)');
    });
});
