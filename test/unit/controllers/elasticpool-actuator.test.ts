import { expect } from 'chai';

import { ElasticPoolActuator } from '../../../operator/controllers/elasticpool/actuator.ts';
import type { ChildClient } from '../../../operator/controllers/elasticpool/child-client.ts';
import {
    newChild,
    templateHash,
    type Child,
    type PatchOp,
} from '../../../operator/controllers/elasticpool/children.ts';
import type { CapacityGate } from '../../../operator/controllers/elasticpool/gate.ts';
import type { ElasticPool, ElasticPoolStatus } from '../../../operator/controllers/elasticpool/types.ts';
import type { ActuatorDeps } from '../../../operator/controllers/shared/deps.ts';
import type { ObjectClient, Writable } from '../../../operator/controllers/shared/kube-objects.ts';
import type { KindContext } from '../../../operator/controllers/shared/reconciler.ts';
import { TEST_RECONCILE_SETTINGS } from '../../../operator/controllers/shared/settings.ts';
import type { EventInput } from '../../../operator/runtime/event-recorder.ts';
import type { Logger } from '../../../operator/runtime/logging.ts';

/** Children in memory; counts how many calls run at once. */
class FakeChildren implements ChildClient {
    readonly items = new Map<string, Child>();
    inFlight = 0;
    maxInFlight = 0;
    patches: { name: string; ops: readonly PatchOp[] }[] = [];

    list() {
        return Promise.resolve([...this.items.values()]);
    }
    async create(child: Child) {
        await this.call();
        const name = child.metadata?.name ?? '';
        if (this.items.has(name)) return false;
        this.items.set(name, child);
        return true;
    }
    async remove(_ns: string, name: string) {
        await this.call();
        this.items.delete(name);
    }
    async patch(_ns: string, name: string, ops: readonly PatchOp[]) {
        await this.call();
        this.patches.push({ name, ops });
    }
    private async call() {
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        await new Promise((r) => setImmediate(r));
        this.inFlight--;
    }
}

const tenants: ObjectClient = {
    get: () => Promise.resolve({ spec: { maxPriority: 5 } } as unknown as Writable),
    replace: (o) => Promise.resolve(o),
};
const deps = { settings: TEST_RECONCILE_SETTINGS } as unknown as ActuatorDeps;
const NOW = Date.parse('2027-01-01T00:00:00Z');

function pool(replicas: number, releaseAction: 'Delete' | 'Shelve' = 'Delete'): ElasticPool {
    return {
        apiVersion: 'bascule.io/v1alpha1',
        kind: 'ElasticPool',
        metadata: { name: 'web', namespace: 'ns', uid: 'uid-1', generation: 1 },
        spec: {
            tenant: 't',
            replicas,
            maxReplicas: 5000,
            priority: 9,
            releaseAction,
            template: {
                spec: { flavor: { name: 'm1.tiny' }, image: { name: 'cirros' }, powerState: 'Running' },
            },
        },
    };
}

function context(status: ElasticPoolStatus) {
    const events: EventInput[] = [];
    const ctx: KindContext<ElasticPoolStatus> = {
        status,
        persist: () => Promise.resolve(),
        mutate: (_t, _c, m) => m(),
        event: (e) => events.push(e),
        log: {} as Logger,
        signal: new AbortController().signal,
        now: () => NOW,
    };
    return { ctx, events };
}

describe('ElasticPoolActuator', () => {
    it('should create nothing while there is no grant', async () => {
        const children = new FakeChildren();
        const gate: CapacityGate = { admit: (r) => Promise.resolve({ admitted: r.wanted }) };
        const actuator = new ElasticPoolActuator(deps, children, tenants, gate);
        const { ctx } = context({});
        const outcome = await actuator.reconcile(pool(3), ctx);
        expect(outcome).to.include({ state: 'waiting', reason: 'WaitingForGrant' });
        expect(children.items.size).to.equal(0);
        expect(ctx.status).to.include({ desiredReplicas: 3, priority: 5, selector: 'bascule.io/pool=web' });
    });

    it('should create 1,000 machines 16 at a time, in well under a second of work, with one Event', async () => {
        const children = new FakeChildren();
        const gate: CapacityGate = { admit: (r) => Promise.resolve({ admitted: r.wanted }) };
        const actuator = new ElasticPoolActuator(deps, children, tenants, gate);
        const { ctx, events } = context({ granted: 1000 });

        const started = performance.now();
        await actuator.reconcile(pool(1000), ctx);
        expect(children.items.size).to.equal(1000);
        expect(children.maxInFlight).to.equal(16);
        expect(events.map((e) => e.note)).to.deep.equal(['Created 1000 machines']);
        expect(ctx.status).to.include({ replicas: 1000, readyReplicas: 0 });

        const again = performance.now();
        await actuator.reconcile(pool(1000), context({ granted: 1000 }).ctx);
        expect(children.patches).to.have.length(0);
        expect(performance.now() - again).to.be.below(500);
        expect(performance.now() - started).to.be.below(3_000);
    });

    it('should unshelve before creating, and only what the gate admits', async () => {
        const children = new FakeChildren();
        const p = pool(4, 'Shelve');
        const hash = templateHash(p.spec.template.spec);
        for (const name of ['web-aaaaa', 'web-bbbbb']) {
            const c = newChild(p, name, hash);
            c.spec = { ...c.spec, parked: true, powerState: 'Shelved' };
            // Parked in the cloud too: their machines report it.
            c.status = { ...c.status, parked: true };
            children.items.set(name, c);
        }
        const gate: CapacityGate = {
            admit: () =>
                Promise.resolve({ admitted: 1, reason: 'QuotaNotApplied', message: 'quota not yet applied' }),
        };
        const actuator = new ElasticPoolActuator(deps, children, tenants, gate);
        const { ctx } = context({ granted: 4 });
        const outcome = await actuator.reconcile(p, ctx);

        expect(outcome).to.include({ state: 'waiting', reason: 'QuotaNotApplied', retryAfterMs: 2_000 });
        expect(children.items.size).to.equal(2);
        expect(children.patches).to.have.length(1);
        expect(children.patches[0]?.ops).to.deep.include({ op: 'remove', path: '/spec/parked' });
        expect(ctx.status).to.include({ replicas: 1, parkedReplicas: 1 });
    });

    it('should delete every child when finalizing, then release', async () => {
        const children = new FakeChildren();
        const p = pool(2);
        for (const name of ['web-aaaaa', 'web-bbbbb']) children.items.set(name, newChild(p, name, 'h'));
        const actuator = new ElasticPoolActuator(deps, children, tenants, {
            admit: () => Promise.resolve({ admitted: 0 }),
        });
        const first = await actuator.finalize(p, context({}).ctx);
        expect(first).to.include({ state: 'progressing', reason: 'Deleting' });
        expect(children.items.size).to.equal(0);
        expect(await actuator.finalize(p, context({}).ctx)).to.include({ released: true });
    });
});
