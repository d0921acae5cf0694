import { expect } from 'chai';

import {
    childName,
    childPatch,
    newChild,
    templateHash,
    type Child,
} from '../../../operator/controllers/elasticpool/children.ts';
import { planPool, resolveIntOrPercent } from '../../../operator/controllers/elasticpool/plan.ts';
import type { ElasticPool, ElasticPoolSpec } from '../../../operator/controllers/elasticpool/types.ts';

const baseSpec: ElasticPoolSpec = {
    tenant: 't',
    maxReplicas: 2000,
    template: {
        metadata: { labels: { app: 'web', 'app.kubernetes.io/instance': 'argo' } },
        spec: { flavor: { name: 'm1.tiny' }, image: { name: 'cirros' }, recovery: { onError: 'Recreate' } },
    },
};

function pool(spec: Partial<ElasticPoolSpec> = {}): ElasticPool {
    return {
        apiVersion: 'bascule.io/v1alpha1',
        kind: 'ElasticPool',
        metadata: { name: 'web', namespace: 'ns', uid: 'pool-uid' },
        spec: { ...baseSpec, ...spec },
    };
}

type State = 'Ready' | 'NotReady' | 'Parked';

function child(p: ElasticPool, name: string, state: State, createdAtS: number, hash?: string): Child {
    const c = newChild(p, name, hash ?? templateHash(p.spec.template.spec));
    c.metadata = {
        ...c.metadata,
        generation: 1,
        creationTimestamp: new Date(createdAtS * 1000).toISOString(),
    };
    if (state === 'Parked') c.spec = { ...c.spec, parked: true, powerState: 'Shelved' };
    const status = state === 'Ready' ? 'True' : 'False';
    const at = '2027-01-01T00:00:00Z';
    c.status = {
        conditions: [
            {
                type: 'Ready',
                status,
                reason: 'x',
                message: '',
                lastTransitionTime: at,
                observedGeneration: 1,
            },
        ],
    };
    return c;
}

describe('planPool', () => {
    it('should create up to the target, unshelving parked machines first', () => {
        const p = pool();
        const kids = [child(p, 'a', 'Ready', 1), child(p, 'b', 'Parked', 2)];
        const plan = planPool(p, kids, templateHash(p.spec.template.spec), 4, 4);
        expect(plan).to.include({ create: 2 });
        expect(plan.unshelve).to.deep.equal(['b']);
    });

    it('should delete machines not ready, then the newest', () => {
        const p = pool();
        const kids = [
            child(p, 'old', 'Ready', 1),
            child(p, 'new', 'Ready', 5),
            child(p, 'booting', 'NotReady', 2),
            child(p, 'mid', 'Ready', 3),
        ];
        const plan = planPool(p, kids, templateHash(p.spec.template.spec), 2, 2);
        expect(plan.remove).to.deep.equal(['booting', 'new']);
        expect(plan.shelve).to.deep.equal([]);
    });

    it('should park released machines within the desired count when the release action is Shelve', () => {
        const p = pool({ releaseAction: 'Shelve' });
        const kids = [child(p, 'a', 'Ready', 1), child(p, 'b', 'Ready', 2), child(p, 'c', 'Ready', 3)];
        const plan = planPool(p, kids, templateHash(p.spec.template.spec), 1, 3);
        expect(plan.shelve).to.have.members(['b', 'c']);
        expect(plan.remove).to.deep.equal([]);
    });

    describe('during a rolling update', () => {
        const p = pool();
        const hash = templateHash(p.spec.template.spec);
        const old = (name: string, state: State, at: number) => child(p, name, state, at, 'old');

        it('should surge one new machine and keep every old one while the new one is not ready', () => {
            const kids = [old('a', 'Ready', 1), old('b', 'Ready', 2), old('c', 'Ready', 3)];
            const first = planPool(p, kids, hash, 3, 3);
            expect(first).to.include({ create: 1, replaced: 0, outdated: 3 });
            expect(first.remove).to.deep.equal([]);

            const second = planPool(p, [...kids, child(p, 'n1', 'NotReady', 4)], hash, 3, 3);
            expect(second).to.include({ create: 0, replaced: 0 });
        });

        it('should delete the oldest outdated machine once the new one is ready', () => {
            const kids = [
                old('a', 'Ready', 1),
                old('b', 'Ready', 2),
                old('c', 'Ready', 3),
                child(p, 'n1', 'Ready', 4),
            ];
            const plan = planPool(p, kids, hash, 3, 3);
            expect(plan.remove).to.deep.equal(['a']);
            expect(plan).to.include({ create: 0, replaced: 1 });
        });

        it('should delete outdated machines that are not ready at once', () => {
            const kids = [old('a', 'NotReady', 1), old('b', 'Ready', 2)];
            const plan = planPool(p, kids, hash, 2, 2);
            expect(plan.remove).to.deep.equal(['a']);
        });

        it('should go below the target by maxUnavailable without surge', () => {
            const strict = pool({
                updateStrategy: {
                    type: 'RollingUpdate',
                    rollingUpdate: { maxSurge: 0, maxUnavailable: '50%' },
                },
            });
            const kids = [1, 2, 3, 4].map((i) => child(strict, `o${String(i)}`, 'Ready', i, 'old'));
            const plan = planPool(strict, kids, templateHash(strict.spec.template.spec), 4, 4);
            expect(plan.remove).to.deep.equal(['o1', 'o2']);
            expect(plan.create).to.equal(0);
        });

        it('should leave outdated machines alone with OnDelete', () => {
            const onDelete = pool({ updateStrategy: { type: 'OnDelete' } });
            const kids = [child(onDelete, 'a', 'Ready', 1, 'old')];
            const plan = planPool(onDelete, kids, templateHash(onDelete.spec.template.spec), 2, 2);
            expect(plan).to.include({ create: 1, replaced: 0 });
            expect(plan.remove).to.deep.equal([]);
        });
    });

    it('should plan 1,000 machines in well under a second', () => {
        const p = pool({ releaseAction: 'Shelve' });
        const kids = Array.from({ length: 1000 }, (_, i) =>
            child(p, `m${String(i)}`, i % 3 ? 'Ready' : 'NotReady', i),
        );
        const started = performance.now();
        const plan = planPool(p, kids, templateHash(p.spec.template.spec), 10, 1000);
        const patches = kids.map((c) => childPatch(c, p, false));
        expect(performance.now() - started).to.be.below(200);
        expect(plan.shelve.length + plan.remove.length).to.equal(990);
        expect(patches.every((ops) => ops.length === 0)).to.be.true;
    });
});

describe('pool children', () => {
    it('should name children as DNS labels with a 5-character suffix', () => {
        const name = childName('a'.repeat(57));
        expect(name).to.match(/^a{57}-[a-z0-9]{5}$/);
        expect(name.length).to.equal(63);
    });

    it('should leave Argo CD tracking labels out and add the pool label', () => {
        const c = newChild(pool(), 'web-abcde', 'h');
        expect(c.metadata?.labels).to.deep.equal({ app: 'web', 'bascule.io/pool': 'web' });
        expect(c.spec).to.include({ tenant: 't' });
    });

    it('should hash only the fields that replace machines', () => {
        const a = templateHash(baseSpec.template.spec);
        expect(templateHash({ ...baseSpec.template.spec, tags: ['x'], flavor: { name: 'big' } })).to.equal(a);
        expect(templateHash({ ...baseSpec.template.spec, image: { name: 'other' } })).to.not.equal(a);
    });

    it('should patch in-place fields and parking into a child', () => {
        const p = pool();
        const c = newChild(p, 'web-abcde', 'h');
        const changed = pool({
            template: { ...baseSpec.template, spec: { ...baseSpec.template.spec, tags: ['blue'] } },
        });
        expect(childPatch(c, changed, false)).to.deep.equal([
            { op: 'add', path: '/spec/tags', value: ['blue'] },
        ]);
        expect(childPatch(c, p, true)).to.deep.equal([
            { op: 'add', path: '/spec/powerState', value: 'Shelved' },
            { op: 'add', path: '/spec/parked', value: true },
        ]);
    });
});

describe('resolveIntOrPercent', () => {
    it('should resolve numbers and percentages, rounding as asked', () => {
        expect(resolveIntOrPercent(2, 10, true)).to.equal(2);
        expect(resolveIntOrPercent('25%', 10, true)).to.equal(3);
        expect(resolveIntOrPercent('25%', 10, false)).to.equal(2);
        expect(resolveIntOrPercent(undefined, 10, false)).to.equal(0);
    });
});
