import { expect } from 'chai';

import { ServerObservation } from '../../../operator/controllers/shared/server-observation.ts';
import type { Server } from '../../../operator/openstack/nova-views.ts';
import { createLogger } from '../../../operator/runtime/logging.ts';

function server(id: string, updated: string, status = 'BUILD'): Server {
    return {
        id,
        name: id,
        status,
        projectId: 'p',
        userId: 'u',
        taskState: undefined,
        vmState: undefined,
        flavor: { originalName: 'm1.small', vcpus: 1, ramMb: 2048, diskGb: 20 },
        imageId: undefined,
        availabilityZone: undefined,
        addresses: [],
        metadata: {},
        tags: [`bascule-uid-owner-${id}`],
        locked: false,
        lockedReason: undefined,
        fault: undefined,
        created: '2026-12-04T10:00:00Z',
        updated,
    };
}

describe('the bulk server observation', () => {
    it('requeues an owner once per change, though overlapping listings report it again', async () => {
        const listings: Server[][] = [
            [server('a', '2026-12-04T10:00:01Z'), server('b', '2026-12-04T10:00:01Z')],
            [server('a', '2026-12-04T10:00:01Z'), server('b', '2026-12-04T10:00:03Z', 'ACTIVE')],
            [server('a', '2026-12-04T10:00:04Z', 'DELETED')],
        ];
        const changed: string[] = [];
        const queries: unknown[] = [];
        const observation = new ServerObservation({
            nova: {
                listServers: (_scope, query) => {
                    queries.push(query);
                    return Promise.resolve(listings.shift() ?? []);
                },
            },
            intervalMs: 1_000,
            marginMs: 2_000,
            log: createLogger('error'),
            signal: () => new AbortController().signal,
            onChange: (uid) => changed.push(uid),
        });

        await observation.tick();
        await observation.tick();
        await observation.tick();

        expect(changed).to.deep.equal(['owner-a', 'owner-b', 'owner-b', 'owner-a']);
        // The cursor is Nova's newest time minus the margin, never the local clock.
        expect(queries[1]).to.deep.include({ changesSince: '2026-12-04T09:59:59Z' });
    });
});
