// The samples apply as a GitOps tool would apply them, and applying them again
// changes nothing: same generation, same owner of every applied field.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { expect } from 'chai';

import { installCrds, kubectl, repoRoot } from '../support/cluster.ts';

const manager = 'bascule-samples-test';
const folders = ['config/samples/demo', 'config/samples/machines'];

interface Listed {
    items: {
        kind: string;
        metadata: {
            name: string;
            namespace?: string;
            generation: number;
            managedFields?: { manager: string; operation: string; fieldsV1?: unknown }[];
        };
    }[];
}

function sampleFiles(): string[] {
    return folders.flatMap((folder) =>
        readdirSync(join(repoRoot, folder))
            .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
            .map((file) => join(folder, file)),
    );
}

async function apply(file: string): Promise<Listed> {
    await kubectl(['apply', '--server-side', `--field-manager=${manager}`, '-f', file]);
    const { stdout } = await kubectl(['get', '-f', file, '-o', 'json', '--show-managed-fields']);
    const parsed = JSON.parse(stdout) as Listed | Listed['items'][number];
    return 'items' in parsed ? parsed : { items: [parsed] };
}

function applied(listed: Listed) {
    return listed.items.map((item) => ({
        key: `${item.kind}/${item.metadata.namespace ?? ''}/${item.metadata.name}`,
        generation: item.metadata.generation,
        owned: item.metadata.managedFields?.find((f) => f.manager === manager && f.operation === 'Apply')
            ?.fieldsV1,
    }));
}

describe('samples', function () {
    before(async () => {
        await installCrds();
    });

    after(async () => {
        for (const file of sampleFiles()) {
            await kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', file]);
        }
    });

    for (const file of sampleFiles()) {
        it(`should apply ${file}, and change nothing when applied again`, async () => {
            const first = applied(await apply(file));
            const second = applied(await apply(file));

            expect(first).to.not.be.empty;
            for (const item of first) {
                expect(item.owned, `${item.key} has no applied fields`).to.not.equal(undefined);
            }
            expect(second).to.deep.equal(first);
        });
    }

    it('should describe the demo of ARBITER.md: four tenants and three pools', async () => {
        const { stdout } = await kubectl(['get', 'bascule', '-A', '-o', 'name']);
        const names = stdout.trim().split('\n').sort();
        expect(names).to.include.members([
            'tenant.bascule.io/alerts',
            'tenant.bascule.io/analytics',
            'tenant.bascule.io/background',
            'tenant.bascule.io/elections',
            'elasticpool.bascule.io/alerts-front',
            'elasticpool.bascule.io/analytics-batch',
            'elasticpool.bascule.io/elections-web',
        ]);
    });
});
