// What `kubectl explain` prints is the user's manual: every field of every spec
// has a description in the OpenAPI the API server publishes.
import { expect } from 'chai';

import { installCrds, kubectl } from '../support/cluster.ts';

interface Schema {
    description?: string;
    properties?: Record<string, Schema>;
    items?: Schema;
    additionalProperties?: Schema | boolean;
    allOf?: Schema[];
}

const kinds = ['Tenant', 'VirtualMachine', 'ElasticPool'];

/** Every field path under a schema, with its description. */
function fields(schema: Schema, path: string): { path: string; description: string | undefined }[] {
    const own = { path, description: schema.description ?? schema.allOf?.[0]?.description };
    const nested = schema.items?.properties ?? schema.properties ?? {};
    const children = Object.entries(nested).flatMap(([name, child]) => fields(child, `${path}.${name}`));
    return [own, ...children];
}

describe('kubectl explain', function () {
    let published: Record<string, Schema> = {};

    before(async () => {
        await installCrds();
        const { stdout } = await kubectl(['get', '--raw', '/openapi/v3/apis/bascule.io/v1alpha1']);
        published = (JSON.parse(stdout) as { components: { schemas: Record<string, Schema> } }).components
            .schemas;
    });

    for (const kind of kinds) {
        it(`should describe every spec field of ${kind}`, () => {
            const schema = published[`io.bascule.v1alpha1.${kind}`];
            const spec = schema?.properties?.spec;
            expect(spec, `${kind} is not published`).to.not.equal(undefined);

            const all = fields(spec ?? {}, `${kind.toLowerCase()}.spec`);
            const undescribed = all.filter((f) => !f.description?.trim()).map((f) => f.path);

            expect(all.length).to.be.greaterThan(5);
            expect(undescribed).to.deep.equal([]);
        });

        it(`should print a description for each top-level spec field of ${kind}`, async () => {
            const top = Object.keys(
                published[`io.bascule.v1alpha1.${kind}`]?.properties?.spec?.properties ?? {},
            );

            for (const field of top) {
                const { stdout } = await kubectl(['explain', `${kind.toLowerCase()}s.spec.${field}`]);
                const description = /DESCRIPTION:\n([\s\S]*?)(\n\n|$)/.exec(stdout)?.[1]?.trim();
                expect(description, `${kind}.spec.${field}`).to.match(/\w{3,}/);
            }
        });
    }
});
