// What kubectl users meet: short names, the category, printer columns, defaults,
// and the scale subresource that kubectl scale, HPA and KEDA use.
import type { KubernetesObjectApi } from '@kubernetes/client-node';
import { expect } from 'chai';

import { installCrds, kubectl, objectApi, uniqueName, type Obj } from '../support/cluster.ts';
import { elasticPool, tenant, virtualMachine } from './objects.ts';

const ns = uniqueName('surface');

describe('the API surface', function () {
    let api: KubernetesObjectApi;
    const created: Obj[] = [];

    before(async () => {
        api = objectApi();
        await installCrds();
    });

    after(async () => {
        await Promise.all(created.map((o) => api.delete(o).catch(() => undefined)));
    });

    it('should resolve short names that do not collide with KubeVirt or Endpoints', async () => {
        const { stdout } = await kubectl(['api-resources', '--api-group=bascule.io', '-o', 'wide']);

        expect(stdout).to.match(/^tenants\s+tnt\s/m);
        expect(stdout).to.match(/^virtualmachines\s+bvm,bvms\s/m);
        expect(stdout).to.match(/^elasticpools\s+epool\s/m);
        expect(stdout).to.not.match(/\b(vm|vms|ep)\b,?/);
    });

    it('should default what the user leaves out', async () => {
        const t = await api.create(tenant(uniqueName('defaults')), undefined, 'All');
        const vm = await api.create(virtualMachine(ns, 'defaults'), undefined, 'All');
        const pool = await api.create(elasticPool(ns, 'defaults'), undefined, 'All');

        expect(t.spec).to.deep.include({ domain: 'Default' });
        expect(vm.spec).to.deep.include({
            powerState: 'Running',
            recovery: { onError: 'Report', onLost: 'Report' },
        });
        expect(vm.spec).to.not.have.property('deletionPolicy');
        expect(pool.spec).to.deep.include({
            minReplicas: 0,
            priority: 0,
            releaseAction: 'Delete',
            updateStrategy: { type: 'RollingUpdate' },
        });
        const template = (pool.spec?.template as { spec: Record<string, unknown> }).spec;
        expect(template).to.deep.include({ recovery: { onError: 'Recreate', onLost: 'Recreate' } });
    });

    it('should default every dimension of a guarantee to zero', async () => {
        const t = await api.create<Obj>({ ...tenant(uniqueName('zero')), spec: {} }, undefined, 'All');

        expect(t.spec?.guarantee).to.deep.equal({ instances: 0, cores: 0, ram: '0' });
    });

    it('should serve the scale subresource for kubectl scale', async () => {
        const pool = await api.create(elasticPool(ns, uniqueName('scale')));
        created.push(pool);
        const name = pool.metadata?.name ?? '';

        await kubectl(['scale', '-n', ns, `elasticpool/${name}`, '--replicas=7']);
        const { stdout } = await kubectl([
            'get',
            '--raw',
            `/apis/bascule.io/v1alpha1/namespaces/${ns}/elasticpools/${name}/scale`,
        ]);
        const scale = JSON.parse(stdout) as { kind: string; spec: { replicas: number } };

        expect(scale.kind).to.equal('Scale');
        expect(scale.spec.replicas).to.equal(7);
    });

    it('should list every kind under the bascule category with its printer columns', async () => {
        const t = await api.create(tenant(uniqueName('columns')));
        created.push(t);

        const { stdout } = await kubectl(['get', 'bascule', '-A']);

        expect(stdout).to.match(/NAME\s+PROJECT\s+READY\s+REASON\s+INSTANCES\s+USED\s+BORROWED\s+LENT\s+AGE/);
    });
});
