import { expect } from 'chai';

import {
    orphanCondition,
    OrphanReport,
    type Orphan,
} from '../../../operator/controllers/shared/orphan-report.ts';
import { groupByOwner, planReap } from '../../../operator/controllers/sweep/plan.ts';
import { OwnerIndex } from '../../../operator/controllers/virtualmachine/owner-index.ts';
import { parseServer, type Server } from '../../../operator/openstack/nova-views.ts';

const NOW = Date.parse('2030-01-01T00:10:00Z');
const SETTLE = 120_000;

function server(id: string, createdAgoMs: number, extra: Partial<Server> = {}): Server {
    const created = new Date(NOW - createdAgoMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { ...parseServer({ id, status: 'ACTIVE', created, tags: ['bascule-uid-u1'] }), ...extra };
}

describe('the server sweep', () => {
    describe('planReap', () => {
        const cases: {
            name: string;
            servers: Server[];
            owner: { serverID: string | undefined; createPending: boolean };
            keep: string | undefined;
            remove: string[];
            held?: boolean;
        }[] = [
            {
                name: 'should leave a single server alone',
                servers: [server('a', 600_000)],
                owner: { serverID: 'a', createPending: false },
                keep: 'a',
                remove: [],
            },
            {
                name: 'should keep the recorded server even when it is the youngest',
                servers: [server('old', 500_000), server('rec', 300_000)],
                owner: { serverID: 'rec', createPending: false },
                keep: 'rec',
                remove: ['old'],
            },
            {
                name: 'should keep the oldest when status records none',
                servers: [server('b', 300_000), server('a', 500_000)],
                owner: { serverID: undefined, createPending: false },
                keep: 'a',
                remove: ['b'],
            },
            {
                name: 'should hold an extra younger than the settle window',
                servers: [server('rec', 500_000), server('young', SETTLE - 5_000)],
                owner: { serverID: 'rec', createPending: false },
                keep: 'rec',
                remove: [],
                held: true,
            },
            {
                name: 'should decide nothing while a create is settling',
                servers: [server('a', 500_000), server('b', 400_000)],
                owner: { serverID: undefined, createPending: true },
                keep: undefined,
                remove: [],
                held: true,
            },
            {
                name: 'should decide nothing when the recorded server is not among the tagged ones',
                servers: [server('a', 500_000), server('b', 400_000)],
                owner: { serverID: 'elsewhere', createPending: false },
                keep: 'elsewhere',
                remove: [],
                held: true,
            },
            {
                name: 'should decide nothing while a server reads UNKNOWN (a down cell)',
                servers: [server('a', 500_000), server('b', 400_000, { status: 'UNKNOWN' })],
                owner: { serverID: 'a', createPending: false },
                keep: 'a',
                remove: [],
                held: true,
            },
        ];
        for (const c of cases) {
            it(c.name, () => {
                const plan = planReap(c.servers, c.owner, NOW, SETTLE);
                expect(plan.keep).to.equal(c.keep);
                expect(plan.remove).to.deep.equal(c.remove);
                expect('held' in plan && plan.held !== undefined).to.equal(c.held ?? false);
            });
        }
    });

    describe('groupByOwner', () => {
        it('should group by owner tag, leaving out deleted, deleting and untagged servers', () => {
            const groups = groupByOwner([
                server('a', 1),
                server('b', 1, { tags: ['bascule-uid-u2', 'blue'] }),
                server('c', 1, { status: 'DELETED' }),
                server('d', 1, { taskState: 'deleting' }),
                server('e', 1, { tags: ['blue'] }),
                server('f', 1),
            ]);
            expect([...groups.keys()]).to.deep.equal(['u1', 'u2']);
            expect(groups.get('u1')?.map((s) => s.id)).to.deep.equal(['a', 'f']);
        });
    });

    describe('the orphan report', () => {
        const orphan = (id: string, projectId: string): Orphan => ({
            serverId: id,
            serverName: `n-${id}`,
            projectId,
            owner: 'ns/gone',
            ownerUid: 'u',
            since: 5,
            claimed: false,
        });

        it('should say which projects changed and keep when each orphan was first seen', () => {
            const report = new OrphanReport();
            expect([...report.replace([orphan('1', 'p'), orphan('2', 'q')])]).to.deep.equal(['p', 'q']);
            expect([...report.replace([orphan('1', 'p')])]).to.deep.equal(['q']);
            expect(report.since('1')).to.equal(5);
            expect(report.since('2')).to.equal(undefined);
        });

        it('should name the orphans in the Tenant condition, and be False when there are none', () => {
            const found = orphanCondition([orphan('1', 'p')]);
            expect(found).to.include({ type: 'OrphanServers', status: 'True', reason: 'OrphansFound' });
            expect(found.message).to.include('n-1 (1, was ns/gone)');
            expect(orphanCondition([])).to.include({ status: 'False', reason: 'Success' });
        });
    });

    describe('the owner index', () => {
        it('should hold one UID per key and forget a key gone from the cache', () => {
            const index = new OwnerIndex();
            index.set('u1', 'ns/a');
            index.set('u2', 'ns/a');
            expect(index.keyOf('u1')).to.equal(undefined);
            expect(index.keyOf('u2')).to.equal('ns/a');
            index.forget('ns/a');
            expect(index.keyOf('u2')).to.equal(undefined);
        });
    });
});
