import { expect } from 'chai';

import { arbitrate } from '../../../operator/arbiter/arbitrate.ts';
import { DEMO_SETTINGS } from '../../../operator/arbiter/settings.ts';
import { ArbiterGate } from '../../../operator/controllers/arbitration/gate.ts';
import { grantStatus, previousGrant } from '../../../operator/controllers/arbitration/grants.ts';
import { arbiterInput, type ArbitrationView } from '../../../operator/controllers/arbitration/inputs.ts';
import { ServerIndex } from '../../../operator/controllers/arbitration/server-index.ts';
import { mergeRecords, TransferLog } from '../../../operator/controllers/arbitration/transfers.ts';
import type { Server } from '../../../operator/openstack/nova-views.ts';
import type { Tenant } from '../../../operator/controllers/tenant/types.ts';
import type { VirtualMachine } from '../../../operator/controllers/virtualmachine/types.ts';

const MEDIUM = { instances: 1, cores: 2, ramMiB: 4096 };
const machines = (n: number) => ({ instances: n, cores: 2 * n, ramMiB: 4096 * n });

function server(id: string, projectId: string, status = 'ACTIVE', tags: string[] = []): Server {
    return {
        id,
        name: id,
        status,
        projectId,
        userId: 'u',
        taskState: undefined,
        vmState: undefined,
        flavor: { originalName: 'm1.medium', vcpus: 2, ramMb: 4096, diskGb: 20 },
        imageId: undefined,
        availabilityZone: undefined,
        addresses: [],
        metadata: {},
        tags,
        locked: false,
        lockedReason: undefined,
        fault: undefined,
        created: '2026-12-01T00:00:00Z',
        updated: '2026-12-01T00:00:00Z',
    };
}

function tenant(name: string, projectID: string, spec: Tenant['spec'] = {}): Tenant {
    return {
        metadata: { name, creationTimestamp: '2026-12-01T00:00:00Z' },
        spec: { namespaces: [name], ...spec },
        status: { projectID },
    };
}

function child(
    pool: string,
    namespace: string,
    name: string,
    opts: { parked?: boolean; ready?: boolean } = {},
) {
    const ready = opts.ready ?? true;
    return {
        metadata: { name, namespace, uid: `uid-${name}`, labels: { 'bascule.io/pool': pool } },
        spec: {
            tenant: namespace,
            flavor: { name: 'm1.medium' },
            image: { name: 'debian-12' },
            parked: opts.parked,
        },
        status: {
            serverID: `srv-${name}`,
            conditions: [
                {
                    type: 'Ready',
                    status: ready ? 'True' : 'False',
                    reason: 'x',
                    message: '',
                    lastTransitionTime: '',
                },
            ],
        },
    } as unknown as VirtualMachine;
}

function view(fields: Partial<ArbitrationView>): ArbitrationView {
    const index = new ServerIndex();
    index.update([], true);
    return {
        tenants: [],
        pools: [],
        machines: [],
        holdingByProject: (skip) => index.holdingByProject(skip),
        capacity: machines(100),
        flavorSize: (ref) => (ref.name === 'm1.medium' ? MEDIUM : undefined),
        desiredOf: () => ({ desired: 4, floor: 1 }),
        nowMs: Date.parse('2026-12-04T10:00:00Z'),
        settings: DEMO_SETTINGS,
        ...fields,
    };
}

const pool = {
    metadata: { name: 'web', namespace: 'a', creationTimestamp: '2026-12-02T00:00:00Z' },
    spec: {
        tenant: 'a',
        priority: 5,
        releaseAction: 'Shelve' as const,
        template: { spec: { flavor: { name: 'm1.medium' } } },
    },
};

describe('the server index', () => {
    it('counts what servers hold by project, leaving out offloaded, deleted and skipped owners', () => {
        const index = new ServerIndex();
        index.update(
            [
                server('1', 'p'),
                server('2', 'p', 'SHELVED_OFFLOADED'),
                server('3', 'p', 'ACTIVE', ['bascule-uid-replica']),
                server('4', 'q', 'BUILD'),
            ],
            true,
        );
        index.update([server('4', 'q', 'DELETED'), server('1', 'p', 'UNKNOWN')], false);

        const held = index.holdingByProject((uid) => uid === 'replica');

        expect(index.ready()).to.equal(true);
        expect(Object.fromEntries(held)).to.deep.equal({ p: MEDIUM });
    });

    it('tells a placed server from one still scheduling or offloaded', () => {
        const index = new ServerIndex();
        const scheduling = { ...server('s', 'p', 'BUILD'), taskState: 'scheduling' };
        const spawning = { ...server('b', 'p', 'BUILD'), taskState: 'spawning' };
        index.update([scheduling, spawning, server('a', 'p'), server('o', 'p', 'SHELVED_OFFLOADED')], true);

        expect(['s', 'b', 'a', 'o', 'missing'].map((id) => index.placed(id))).to.deep.equal([
            false,
            true,
            true,
            false,
            false,
        ]);
    });

    it('is not ready before a complete listing', () => {
        const index = new ServerIndex();
        index.update([server('1', 'p')], false);
        expect(index.ready()).to.equal(false);
    });
});

describe('the arbiter input', () => {
    it('counts pool usage from children, fixed usage from other servers, and capacity net of projects without a Tenant', () => {
        const index = new ServerIndex();
        index.update(
            [
                server('s1', 'pa', 'ACTIVE', ['bascule-uid-uid-web-1']),
                server('legacy', 'pa'),
                server('outsider', 'px'),
                server('outsider2', 'px'),
            ],
            true,
        );
        const { input, skipped } = arbiterInput(
            view({
                tenants: [tenant('a', 'pa', { guarantee: { instances: 10, cores: 20, ram: '40Gi' } })],
                pools: [pool],
                machines: [
                    child('web', 'a', 'web-1'),
                    child('web', 'a', 'web-2', { ready: false }),
                    child('web', 'a', 'web-3', { parked: true }),
                ],
                holdingByProject: (skip) => index.holdingByProject(skip),
            }),
        );

        expect(skipped).to.deep.equal([]);
        expect(input.poolUsage['a/web']).to.deep.equal({ running: 2, parked: 1, notReady: 1 });
        expect(input.tenantUsage.a?.fixed).to.deep.equal(MEDIUM);
        expect(input.capacity).to.deep.equal(machines(98));
        expect(input.pools[0]).to.include({ key: 'a/web', floor: 1, desired: 4, fixed: false, priority: 5 });
        expect(input.tenants[0]?.guarantee).to.deep.equal(machines(10));
    });

    it('leaves out pools whose Tenant has no project or whose flavor is unknown, saying why', () => {
        const unknownFlavor = {
            ...pool,
            metadata: { ...pool.metadata, name: 'odd' },
            spec: { ...pool.spec, template: { spec: { flavor: { name: 'x' } } } },
        };
        const orphan = {
            ...pool,
            metadata: { ...pool.metadata, name: 'lost' },
            spec: { ...pool.spec, tenant: 'nobody' },
        };

        const { skipped } = arbiterInput(
            view({ tenants: [tenant('a', 'pa')], pools: [unknownFlavor, orphan] }),
        );

        expect(skipped).to.deep.equal([
            { pool: 'a/odd', reason: 'FlavorUnknown' },
            { pool: 'a/lost', reason: 'TenantNotReady' },
        ]);
    });

    it('treats a pool whose namespace the Tenant no longer lists as fixed', () => {
        const { input } = arbiterInput(
            view({ tenants: [tenant('a', 'pa', { namespaces: [] })], pools: [pool] }),
        );
        expect(input.pools[0]?.fixed).to.equal(true);
    });

    it('counts a standalone machine without a server as a claim', () => {
        const standalone = {
            ...child('x', 'a', 'solo'),
            metadata: { name: 'solo', namespace: 'a' },
        } as VirtualMachine;
        delete standalone.status?.serverID;
        const { input } = arbiterInput(view({ tenants: [tenant('a', 'pa')], machines: [standalone] }));
        expect(input.tenantUsage.a?.claims).to.deep.equal(MEDIUM);
    });
});

describe('grants in status', () => {
    it('round-trip: a decision written to status reads back as the same previous grant', () => {
        const { input } = arbiterInput(
            view({
                tenants: [tenant('a', 'pa', { guarantee: { instances: 10, cores: 20, ram: '40Gi' } })],
                pools: [pool],
            }),
        );
        const decision = arbitrate(input);
        const d = decision.pools['a/web'];
        if (d === undefined) throw new Error('no decision for a/web');

        const status = grantStatus(d);
        const back = previousGrant({ ...pool, status });

        const grant: Record<string, unknown> = { ...d };
        delete grant.actions;
        expect(back).to.deep.equal(grant);
        expect(status.arbitration).to.not.have.property('lentBy');
        expect(status.arbitration).to.not.have.property('reclaims');
    });

    it('re-running on its own output at the same clock changes nothing', () => {
        const base = view({
            tenants: [tenant('a', 'pa', { guarantee: { instances: 10, cores: 20, ram: '40Gi' } })],
            pools: [pool],
        });
        const first = arbitrate(arbiterInput(base).input);
        const d = first.pools['a/web'];
        if (d === undefined) throw new Error('no decision for a/web');
        const again = arbitrate(
            arbiterInput({ ...base, pools: [{ ...pool, status: grantStatus(d) }] }).input,
        );

        expect(again.pools['a/web']?.granted).to.equal(d.granted);
        expect(again.reallocations).to.deep.equal([]);
    });
});

describe('the growth gate', () => {
    const signal = new AbortController().signal;
    const request = { tenant: 'a', pool: 'a/web', flavor: 'm1.medium', wanted: 10 };
    const withQuota = (applied: number, effective: number): Tenant => ({
        metadata: { name: 'a' },
        status: { appliedQuota: machines(applied), arbitration: { effective: machines(effective) } },
    });

    function gate(t: Tenant | undefined, room: number, steps: string[] = [], unplaced = 0) {
        let reads = 0;
        const g = new ArbiterGate({
            placement: {
                fits: () => {
                    reads++;
                    return Promise.resolve({ machines: room, providers: 1 });
                },
            },
            tenant: () => t,
            flavorResources: (ref) => (ref.name === 'm1.medium' ? { VCPU: 2, MEMORY_MB: 4096 } : undefined),
            now: () => 0,
            freshMs: 1_000,
            passed: (_pool, step) => steps.push(step),
            unplaced: () => machines(unplaced),
        });
        return { g, reads: () => reads };
    }

    it('admits nothing before the arbiter decided, or before the quota caught up with its decision', async () => {
        expect((await gate(undefined, 100).g.admit(request, signal)).reason).to.equal(
            'WaitingForArbitration',
        );
        const behind = await gate(withQuota(5, 20), 100).g.admit(request, signal);
        expect(behind).to.deep.include({ admitted: 0, reason: 'QuotaNotApplied' });
    });

    it('admits what Placement has room for, and never spends the same room twice within one reading', async () => {
        const steps: string[] = [];
        const { g, reads } = gate(withQuota(20, 20), 12, steps);

        const first = await g.admit(request, signal);
        const second = await g.admit({ ...request, pool: 'b/web' }, signal);
        const third = await g.admit(request, signal);

        expect(first.admitted).to.equal(10);
        expect(second).to.deep.include({ admitted: 2, reason: 'CapacityNotFreed' });
        expect(third).to.deep.include({ admitted: 0, reason: 'CapacityNotFreed' });
        expect(reads()).to.equal(1);
        expect(steps.slice(0, 3)).to.deep.equal(['QuotaApplied', 'CapacityObserved', 'CreatesIssued']);
    });
});

describe('the growth gate and machines Placement does not show yet', () => {
    it('counts free room net of admitted machines still unplaced, across readings', async () => {
        const signal = new AbortController().signal;
        const t: Tenant = {
            metadata: { name: 'a' },
            status: { appliedQuota: machines(50), arbitration: { effective: machines(50) } },
        };
        const g = new ArbiterGate({
            placement: { fits: () => Promise.resolve({ machines: 12, providers: 1 }) },
            tenant: () => t,
            flavorResources: () => ({ VCPU: 2, MEMORY_MB: 4096 }),
            now: () => 0,
            freshMs: 0,
            passed: () => undefined,
            // Ten machines admitted earlier have no server placed yet: Placement still shows their room.
            unplaced: () => machines(10),
        });

        const answer = await g.admit({ tenant: 'a', pool: 'a/web', flavor: 'm1.medium', wanted: 5 }, signal);

        expect(answer).to.deep.include({ admitted: 2, reason: 'CapacityNotFreed' });
    });
});

describe('the transfer log', () => {
    it('times each step from the decision and finishes when the taker runs its grant', () => {
        const done: string[] = [];
        const log = new TransferLog((t) => done.push(`${t.from}->${String(t.to)}`));
        log.begin([{ rule: 5, from: 'e/web', to: 'a/front', replicas: 3 }], 1_000, (k) => k.includes('/'));
        log.passed('a/front', 'QuotaApplied', 3_000);

        const input = {
            poolUsage: {
                'e/web': { running: 5, parked: 0, notReady: 0 },
                'a/front': { running: 1, parked: 0, notReady: 0 },
            },
        };
        const decision = { pools: { 'e/web': { granted: 2 }, 'a/front': { granted: 4 } } };
        log.observe(input as never, decision as never, 4_000);
        expect(done).to.deep.equal([]);

        input.poolUsage['e/web'] = { running: 2, parked: 3, notReady: 0 };
        input.poolUsage['a/front'] = { running: 4, parked: 0, notReady: 0 };
        log.observe(input as never, decision as never, 9_000);

        expect(done).to.deep.equal(['e/web->a/front']);
        const [record] = log.records('a/front', () => 'alerts');
        expect(record?.direction).to.equal('Gained');
        expect(record?.rule).to.equal('Emergency');
        expect(record?.peer).to.equal('alerts/e/web');
        expect(record?.steps).to.deep.equal([
            { name: 'VictimsReleased', seconds: 8 },
            { name: 'QuotaApplied', seconds: 2 },
            { name: 'MachinesReady', seconds: 8 },
        ]);
    });

    it('keeps the newest five records, merging with those an earlier leader wrote', () => {
        const record = (time: string) => ({
            time,
            rule: 'Borrow',
            direction: 'Gained' as const,
            peer: 'x',
            machines: 1,
            steps: [],
        });
        const old = ['01', '02', '03', '04'].map((d) => record(`2026-12-${d}T00:00:00.000Z`));
        const fresh = [record('2026-12-05T00:00:00.000Z'), record('2026-12-04T00:00:00.000Z')];

        const merged = mergeRecords(old, fresh);

        expect(merged.map((r) => r.time.slice(8, 10))).to.deep.equal(['05', '04', '03', '02', '01']);
    });
});
