import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { expect } from 'chai';

import type { CapacityGate, GrowthRequest } from '../../../operator/controllers/elasticpool/gate.ts';
import { addFault } from '../../sim/helpers.ts';
import { installCrds } from '../../support/cluster.ts';
import {
    condition,
    RUN_LABEL,
    tenantSuite,
    until,
    waitCondition,
    waitGone,
    type Harness,
    type Obj,
} from './harness.ts';

/** Metadata fields the harness's Obj type leaves out. */
const meta = (o: Obj) =>
    o.metadata as Obj['metadata'] & { creationTimestamp?: string; deletionTimestamp?: string };

const GROUP = { group: 'bascule.io', version: 'v1alpha1' };
const POOL_LABEL = 'bascule.io/pool';

/** A gate the tests open and close; it records what it was asked. */
class FakeGate implements CapacityGate {
    limit = Infinity;
    requests: GrowthRequest[] = [];

    admit(request: GrowthRequest) {
        this.requests.push(request);
        const admitted = Math.min(request.wanted, this.limit);
        const held = { reason: 'CapacityNotFreed', message: 'waiting for the victims to go' };
        return Promise.resolve(admitted < request.wanted ? { admitted, ...held } : { admitted });
    }
}

describe('the ElasticPool controller', function () {
    this.timeout(120_000);
    let h: Harness;
    const gate = new FakeGate();
    const suffix = Date.now().toString(36);
    const ns = `ep-${suffix}`;
    const tenant = `ept-${suffix}`;

    before(async function () {
        this.timeout(60_000);
        await installCrds();
    });
    const suite = tenantSuite(tenant, ns, { instances: 40, cores: 80, ram: '40Gi' }, { gate });
    before(() => {
        ({ h } = suite);
    });
    beforeEach(() => {
        gate.limit = Infinity;
    });

    const ref = { ...GROUP, plural: 'elasticpools', namespace: ns };
    const vmRef = { ...GROUP, plural: 'virtualmachines', namespace: ns };
    const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const applyPatch = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

    const template = (labels: Record<string, string> = {}) => ({
        metadata: { labels: { [RUN_LABEL]: h.runId, app: 'web', ...labels } },
        spec: { flavor: { name: 'm1.tiny' }, image: { name: 'cirros-0.6.2' } },
    });
    const create = (name: string, spec: Record<string, unknown>) =>
        h.api.createNamespacedCustomObject({
            ...ref,
            body: {
                apiVersion: 'bascule.io/v1alpha1',
                kind: 'ElasticPool',
                metadata: { name, labels: { [RUN_LABEL]: h.runId } },
                spec: { tenant, maxReplicas: 10, template: template(), ...spec },
            },
        }) as Promise<Obj>;
    const get = (name: string) => () => h.api.getNamespacedCustomObject({ ...ref, name }) as Promise<Obj>;
    const patchSpec = (name: string, spec: Record<string, unknown>) =>
        h.api.patchNamespacedCustomObject({ ...ref, name, body: { spec } }, mergePatch);
    /** What the arbiter does: an apply patch of status.granted under its own field manager. */
    const grant = (name: string, granted: number) =>
        h.api.patchNamespacedCustomObjectStatus(
            {
                ...ref,
                name,
                body: {
                    apiVersion: 'bascule.io/v1alpha1',
                    kind: 'ElasticPool',
                    metadata: { name },
                    status: { granted },
                },
                fieldManager: 'bascule-arbiter',
                force: true,
            },
            applyPatch,
        );
    const children = async (pool: string) => {
        const list = (await h.api.listNamespacedCustomObject({
            ...vmRef,
            labelSelector: `${POOL_LABEL}=${pool}`,
        })) as { items: Obj[] };
        return list.items.filter((c) => meta(c).deletionTimestamp === undefined);
    };
    const childrenUntil = (pool: string, what: string, test: (list: Obj[]) => boolean, timeoutMs?: number) =>
        until(
            what,
            async () => {
                const list = await children(pool);
                return test(list) ? list : undefined;
            },
            timeoutMs,
        );
    const statusUntil = (pool: string, what: string, test: (o: Obj) => boolean) =>
        until(what, async () => {
            const o = await get(pool)();
            return test(o) ? o : undefined;
        });
    const remove = async (name: string) => {
        await h.api.deleteNamespacedCustomObject({ ...ref, name });
        await waitGone(get(name));
    };
    const parked = (c: Obj) => c.spec?.parked === true;

    it('should create nothing until a grant, then create the granted machines', async () => {
        const labels = { 'app.kubernetes.io/instance': 'argo-app', 'argocd.argoproj.io/instance': 'x' };
        await create('grow', {
            replicas: 3,
            template: {
                ...template(labels),
                metadata: {
                    labels: { [RUN_LABEL]: h.runId, app: 'web', ...labels },
                    annotations: { note: 'kept', 'argocd.argoproj.io/sync-wave': '1' },
                },
            },
        });
        const waitingPool = await waitCondition(get('grow'), 'Progressing', 'True', 'WaitingForGrant');
        expect(waitingPool.status).to.include({
            desiredReplicas: 3,
            selector: `${POOL_LABEL}=grow`,
            priority: 0,
        });
        await new Promise((r) => setTimeout(r, 500));
        expect(await children('grow')).to.have.length(0);

        await grant('grow', 2);
        const made = await childrenUntil('grow', 'two machines', (l) => l.length === 2);
        const pool = await get('grow')();
        for (const child of made) {
            expect(child.metadata.name).to.match(/^grow-[a-z0-9]{5}$/);
            expect(child.metadata.labels).to.deep.equal({
                [RUN_LABEL]: h.runId,
                app: 'web',
                [POOL_LABEL]: 'grow',
            });
            expect(child.metadata.annotations).to.include({ note: 'kept' });
            expect(Object.keys(child.metadata.annotations ?? {})).to.not.include(
                'argocd.argoproj.io/sync-wave',
            );
            expect(child.spec).to.include({ tenant, powerState: 'Running' });
            expect(child.spec?.recovery).to.deep.equal({ onError: 'Recreate', onLost: 'Recreate' });
            const owner = (child.metadata as { ownerReferences?: Record<string, unknown>[] })
                .ownerReferences?.[0];
            expect(owner).to.include({
                kind: 'ElasticPool',
                name: 'grow',
                uid: pool.metadata.uid,
                controller: true,
                blockOwnerDeletion: true,
            });
        }
        const readyPool = await waitCondition(get('grow'), 'Ready', 'True');
        expect(readyPool.status).to.include({
            replicas: 2,
            readyReplicas: 2,
            granted: 2,
            desiredReplicas: 3,
        });
        expect(condition(readyPool, 'CapacityLimited')).to.include({
            status: 'True',
            message: 'granted 2 of 3',
        });
        expect(
            gate.requests.some(
                (r) => r.pool === `${ns}/grow` && r.flavor === 'm1.tiny' && r.tenant === tenant,
            ),
        ).to.be.true;
    });

    it('should never overwrite the grant with its own status writes', async () => {
        await grant('grow', 3);
        await statusUntil('grow', 'three ready', (o) => o.status?.readyReplicas === 3);
        const pool = await waitCondition(get('grow'), 'CapacityLimited', 'False');
        expect(pool.status?.granted).to.equal(3);
        const managers =
            (pool.metadata as { managedFields?: { manager: string; fieldsV1?: unknown }[] }).managedFields ??
            [];
        const arbiter = managers.find((m) => m.manager === 'bascule-arbiter');
        expect(JSON.stringify(arbiter?.fieldsV1)).to.contain('f:granted');
        const others = managers.filter((m) => m.manager !== 'bascule-arbiter');
        for (const m of others) expect(JSON.stringify(m.fieldsV1 ?? {})).to.not.contain('f:granted');
    });

    it('should scale through the scale subresource and delete the newest machines first', async () => {
        const before = await children('grow');
        const newest = [...before].sort((a, b) =>
            String(meta(b).creationTimestamp).localeCompare(String(meta(a).creationTimestamp)),
        )[0];
        const scale = (await h.api.getNamespacedCustomObjectScale({ ...ref, name: 'grow' })) as {
            status?: { replicas?: number; selector?: string };
        };
        expect(scale.status).to.deep.equal({ replicas: 3, selector: `${POOL_LABEL}=grow` });

        await h.api.patchNamespacedCustomObjectScale(
            { ...ref, name: 'grow', body: { spec: { replicas: 2 } } },
            mergePatch,
        );
        const after = await childrenUntil('grow', 'two machines', (l) => l.length === 2);
        const kept = after.map((c) => c.metadata.name);
        // Ties on creationTimestamp (second precision) are broken by name, so only check when it is unique.
        const sameSecond = before.filter(
            (c) => meta(c).creationTimestamp === (newest ? meta(newest).creationTimestamp : ''),
        );
        if (sameSecond.length === 1) expect(kept).to.not.include(newest?.metadata.name);
        await statusUntil(
            'grow',
            'status.replicas 2',
            (o) => o.status?.replicas === 2 && o.status.desiredReplicas === 2,
        );
    });

    it('should clamp replicas to the bounds and say so', async () => {
        await patchSpec('grow', { replicas: 50, maxReplicas: 2 });
        const pool = await waitCondition(get('grow'), 'ReplicasClamped', 'True');
        expect(pool.status).to.include({ desiredReplicas: 2, desiredReason: 'clamped to maxReplicas 2' });
        expect(condition(pool, 'ReplicasClamped')?.message).to.contain('50');
        await patchSpec('grow', { replicas: 2, maxReplicas: 10 });
        await waitCondition(get('grow'), 'ReplicasClamped', 'False');
    });

    it('should patch in-place fields into its machines and replace them when the image changes', async () => {
        const names = (await children('grow')).map((c) => c.metadata.name).sort();
        await patchSpec('grow', {
            template: { ...template(), spec: { ...template().spec, tags: ['blue'] } },
        });
        const tagged = await childrenUntil('grow', 'tagged in place', (l) =>
            l.every((c) => JSON.stringify(c.spec?.tags) === '["blue"]'),
        );
        expect(tagged.map((c) => c.metadata.name).sort()).to.deep.equal(names);

        const hashOf = (c: Obj) => c.metadata.annotations?.['bascule.io/template-hash'];
        const oldHash = tagged.map(hashOf)[0];
        await patchSpec('grow', {
            template: {
                ...template(),
                spec: { ...template().spec, image: { name: 'debian-12' }, tags: ['blue'] },
            },
        });
        const replaced = await childrenUntil(
            'grow',
            'replaced by the new image',
            (l) => l.length === 2 && l.every((c) => hashOf(c) !== oldHash),
            60_000,
        );
        for (const c of replaced) expect(c.spec?.image).to.deep.equal({ name: 'debian-12' });
        expect(replaced.map((c) => c.metadata.name).filter((n) => names.includes(n))).to.deep.equal([]);
        await waitCondition(get('grow'), 'Ready', 'True');
    });

    it('should park machines past the grant and unpark them only when the gate admits', async () => {
        await create('park', { replicas: 3, releaseAction: 'Shelve' });
        await grant('park', 3);
        await childrenUntil('park', 'three machines', (l) => l.length === 3);
        await waitCondition(get('park'), 'Ready', 'True');

        await grant('park', 1);
        const shelved = await childrenUntil('park', 'two parked', (l) => l.filter(parked).length === 2);
        expect(shelved).to.have.length(3);
        for (const c of shelved.filter(parked)) expect(c.spec?.powerState).to.equal('Shelved');
        await statusUntil(
            'park',
            'parked 2',
            (o) => o.status?.parkedReplicas === 2 && o.status.replicas === 1,
        );

        gate.limit = 0;
        await grant('park', 3);
        const held = await waitCondition(get('park'), 'Progressing', 'True', 'CapacityNotFreed');
        expect(held.status?.parkedReplicas).to.equal(2);
        await new Promise((r) => setTimeout(r, 500));
        const still = await children('park');
        expect(still.filter(parked)).to.have.length(2);
        expect(still).to.have.length(3);

        gate.limit = Infinity;
        const back = await childrenUntil('park', 'unparked', (l) => l.filter(parked).length === 0);
        expect(back).to.have.length(3);
        for (const c of back) expect(c.spec?.powerState).to.equal('Running');
        await remove('park');
    });

    it('should open a window early by its lead time', async () => {
        const start = new Date(Date.now() + 10 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
        const end = new Date(Date.now() + 60 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
        const window = { name: 'elections', start, end, leadTime: '15m', replicas: 2 };
        await create('window', { replicas: 1, schedule: [window] });
        const pool = await statusUntil('window', 'window desired', (o) => o.status?.desiredReplicas === 2);
        expect(pool.status).to.include({ desiredReason: 'window elections' });
        expect(pool.status?.nextWindow).to.deep.equal({ name: 'elections', start, end });
        await remove('window');
    });

    it('should remove a machine whose build found no host and ask the gate again before replacing it', async () => {
        await addFault(h.sim, {
            service: 'compute',
            method: 'POST',
            path: '^/v2.1/servers$',
            count: 1,
            action: {
                kind: 'buildFailure',
                message: 'No valid host was found. There are not enough hosts available.',
            },
        });
        const fromSeq = h.sim.calls.find({}).at(-1)?.seq ?? 0;
        await create('nohost', { replicas: 2 });
        await grant('nohost', 2);
        const first = await childrenUntil('nohost', 'two machines', (l) => l.length === 2);
        const asked = gate.requests.filter((r) => r.pool === `${ns}/nohost`).length;

        // The failed machine deleted its server and is gone; a new one took its place.
        const ready = await childrenUntil(
            'nohost',
            'two ready machines, one of them new',
            (l) => l.length === 2 && l.every((c) => condition(c, 'Ready')?.status === 'True'),
            30_000,
        );
        const firstNames = first.map((c) => c.metadata.name);
        const replaced = firstNames.filter((n) => !ready.some((c) => c.metadata.name === n));
        expect(replaced).to.have.length(1);

        const posts = h.sim.calls
            .find({ method: 'POST', path: '^/v2.1/servers$' })
            .filter((c) => c.seq > fromSeq && c.status === 202);
        const failedUid = first.find((c) => c.metadata.name === replaced[0])?.metadata.uid ?? '';
        // One server for the failed machine: it never recreated its own, the pool replaced the machine.
        expect(posts.filter((c) => c.tags?.includes(`bascule-uid-${failedUid}`))).to.have.length(1);
        expect(posts).to.have.length(3);
        // The replacement was admitted by the gate, asked again after the failure.
        expect(gate.requests.filter((r) => r.pool === `${ns}/nohost`).length).to.be.greaterThan(asked);

        const pool = await waitCondition(get('nohost'), 'Ready', 'True');
        expect(pool.status).to.include({ replicas: 2, readyReplicas: 2 });
        const events = (await h.api.listNamespacedCustomObject({
            group: 'events.k8s.io',
            version: 'v1',
            plural: 'events',
            namespace: ns,
        })) as { items: { reason?: string; note?: string; regarding?: { name?: string } }[] };
        const noCapacity = events.items.filter(
            (e) => e.reason === 'NoCapacity' && e.regarding?.name === 'nohost',
        );
        expect(noCapacity.map((e) => e.note)).to.deep.include(
            'Deleted 1 machine whose build found no host; growth waits 1 s, then asks the capacity gate again',
        );
        await remove('nohost');
    });

    it('should say it is paused and change nothing while paused', async () => {
        await create('frozen', { replicas: 1 });
        await grant('frozen', 2);
        await waitCondition(get('frozen'), 'Ready', 'True');
        const annotate = (value: string | null) =>
            h.api.patchNamespacedCustomObject(
                {
                    ...ref,
                    name: 'frozen',
                    body: { metadata: { annotations: { 'bascule.io/paused': value } } },
                },
                mergePatch,
            );

        await annotate('true');
        const paused = await statusUntil('frozen', 'paused', (o) => o.status?.paused === true);
        expect(condition(paused, 'Progressing')).to.include({ status: 'False', reason: 'Paused' });
        await patchSpec('frozen', { replicas: 2 });
        await new Promise((r) => setTimeout(r, 1000));
        expect(await children('frozen')).to.have.length(1);

        await annotate(null);
        await statusUntil('frozen', 'unpaused', (o) => o.status?.paused === undefined);
        await childrenUntil('frozen', 'two machines', (l) => l.length === 2);
        await remove('frozen');
    });

    it('should delete its machines when deleted', async () => {
        expect(await children('grow')).to.have.length(2);
        await remove('grow');
        expect(await children('grow')).to.have.length(0);
    });
});
