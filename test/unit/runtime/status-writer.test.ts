import { expect } from 'chai';

import {
    StatusConflictError,
    writeStatus,
    type StatusClient,
    type WithStatus,
} from '../../../operator/runtime/status-writer.ts';

/** A server holding one object; `conflicts` writes in a row are refused with 409 after a rival write. */
function fakeServer(conflicts: number) {
    let stored: WithStatus | undefined = {
        metadata: { name: 'a', resourceVersion: '1' },
        spec: { x: 1 },
        status: { phase: 'Old' },
    } as WithStatus;
    const calls = { gets: 0, puts: 0 };
    let remaining = conflicts;
    const client: StatusClient = {
        get: () => {
            calls.gets++;
            return Promise.resolve(stored === undefined ? undefined : structuredClone(stored));
        },
        replaceStatus: (obj) => {
            calls.puts++;
            if (stored === undefined) return Promise.reject(Object.assign(new Error('nf'), { code: 404 }));
            if (remaining > 0 || obj.metadata?.resourceVersion !== stored.metadata?.resourceVersion) {
                remaining--;
                // A rival writer changed the object meanwhile.
                const version = String(Number(stored.metadata?.resourceVersion) + 1);
                stored = { ...stored, metadata: { ...stored.metadata, resourceVersion: version } };
                return Promise.reject(Object.assign(new Error('conflict'), { code: 409 }));
            }
            // The status subresource takes only the status, as the API server does.
            stored = {
                ...stored,
                status: obj.status,
                metadata: { ...stored.metadata, resourceVersion: 'w' },
            };
            return Promise.resolve(stored);
        },
    };
    return {
        client,
        calls,
        stored: () => stored,
        remove: () => (stored = undefined),
    };
}

describe('writeStatus', () => {
    const observed: WithStatus = { metadata: { name: 'a', resourceVersion: '1' }, status: { phase: 'Old' } };
    const computed = { phase: 'Running', observedGeneration: 3 };

    const cases: { name: string; conflicts: number; expected: string; puts: number; gets: number }[] = [
        { name: 'write at once without conflict', conflicts: 0, expected: 'written', puts: 1, gets: 0 },
        { name: 're-read and re-apply after conflicts', conflicts: 2, expected: 'written', puts: 3, gets: 2 },
        { name: 'succeed on the last allowed attempt', conflicts: 4, expected: 'written', puts: 5, gets: 4 },
    ];

    for (const { name, conflicts, expected, puts, gets } of cases) {
        it(`should ${name}`, async () => {
            const server = fakeServer(conflicts);

            expect(await writeStatus(server.client, 'a', observed, computed)).to.equal(expected);

            expect(server.calls).to.deep.equal({ puts, gets });
            expect(server.stored()?.status).to.deep.equal(computed);
            expect((server.stored() as { spec?: unknown }).spec).to.deep.equal({ x: 1 });
        });
    }

    it('should give up with StatusConflictError rather than spin', async () => {
        const server = fakeServer(100);

        const write = writeStatus(server.client, 'a', observed, computed);

        await expectRejection(write, StatusConflictError);
        expect(server.calls.puts).to.equal(5);
    });

    it('should skip the write when the status is already equal', async () => {
        const server = fakeServer(0);

        expect(await writeStatus(server.client, 'a', observed, { phase: 'Old' })).to.equal('unchanged');
        expect(server.calls.puts).to.equal(0);
    });

    it('should hand back the written object, whose resourceVersion the next write needs', async () => {
        const server = fakeServer(0);
        let written: WithStatus | undefined;

        await writeStatus(server.client, 'a', observed, computed, { written: (obj) => (written = obj) });

        expect(written?.metadata?.resourceVersion).to.equal('w');
    });

    it("should carry another writer's fields over from the fresh copy, even after a conflict", async () => {
        const server = fakeServer(1);
        const stored = server.stored() as WithStatus & { status: Record<string, unknown> };
        stored.status.granted = 7;

        const mine = { ...computed, granted: 3 };
        await writeStatus(server.client, 'a', observed, mine, { foreign: ['granted'] });

        expect(server.stored()?.status).to.deep.equal({ ...computed, granted: 7 });
    });

    it('should report an object deleted meanwhile as gone', async () => {
        const server = fakeServer(0);
        server.remove();

        expect(await writeStatus(server.client, 'a', observed, computed)).to.equal('gone');
    });
});

async function expectRejection(
    promise: Promise<unknown>,
    type: new (...args: never[]) => Error,
): Promise<void> {
    try {
        await promise;
    } catch (err) {
        expect(err).to.be.instanceOf(type);
        return;
    }
    expect.fail('expected a rejection');
}
