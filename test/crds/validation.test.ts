// Admission of the three kinds by the real API server, case by case from
// admission-cases.ts. Creates are dry runs: nothing is stored.
import type { KubernetesObjectApi } from '@kubernetes/client-node';
import { expect } from 'chai';

import { installCrds, objectApi, refusal } from '../support/cluster.ts';
import { accepted, rejected } from './admission-cases.ts';

describe('admission of Bascule objects', function () {
    let api: KubernetesObjectApi;

    before(async () => {
        api = objectApi();
        await installCrds();
    });

    describe('rejects, naming the field', () => {
        for (const c of rejected) {
            it(`should reject ${c.name}`, async () => {
                const error = await api.create(c.object(), undefined, 'All').then(
                    () => undefined,
                    (e: unknown) => e,
                );
                expect(error, 'the API server accepted it').to.not.equal(undefined);
                const { code, message } = refusal(error);
                expect(code).to.equal(422);
                expect(message).to.contain(`${c.field}:`);
                expect(message).to.match(c.message);
            });
        }
    });

    describe('accepts the boundary', () => {
        for (const c of accepted) {
            it(`should accept ${c.name}`, async () => {
                await api.create(c.object(), undefined, 'All');
            });
        }
    });
});
