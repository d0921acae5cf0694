// Immutable fields are refused at admission, including an optional field being
// added or removed; the fields that may change are accepted (update-cases.ts).
import type { KubernetesObjectApi } from '@kubernetes/client-node';
import { expect } from 'chai';

import { installCrds, objectApi, refusal, uniqueName, type Obj } from '../support/cluster.ts';
import { allowed, refused, type Update } from './update-cases.ts';

describe('immutable fields', function () {
    let api: KubernetesObjectApi;
    const created: Obj[] = [];

    before(async () => {
        api = objectApi();
        await installCrds();
    });

    after(async () => {
        await Promise.all(created.map((o) => api.delete(o).catch(() => undefined)));
    });

    async function store(update: Update): Promise<Obj> {
        const stored = await api.create(update.before(uniqueName('imm')));
        created.push(stored);
        return stored;
    }

    function changed(stored: Obj, update: Update): Obj {
        const removed = update.remove ?? [];
        const kept = Object.entries(stored.spec ?? {}).filter(([field]) => !removed.includes(field));
        return { ...stored, spec: { ...Object.fromEntries(kept), ...update.change } };
    }

    for (const update of refused) {
        it(`should refuse a change to ${update.name}`, async () => {
            const stored = await store(update);

            const error = await api.replace(changed(stored, update)).then(
                () => undefined,
                (e: unknown) => e,
            );

            expect(error, 'the API server accepted it').to.not.equal(undefined);
            const { code, message } = refusal(error);
            expect(code).to.equal(422);
            expect(message).to.contain(`${update.field ?? ''}:`);
            expect(message).to.match(update.message ?? /./);
        });
    }

    for (const update of allowed) {
        it(`should allow a change to ${update.name}`, async () => {
            const stored = await store(update);

            const replaced = await api.replace(changed(stored, update));

            expect(replaced.metadata?.generation).to.equal((stored.metadata?.generation ?? 0) + 1);
        });
    }
});
