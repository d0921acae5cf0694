// config/default builds with kubectl's kustomize, and every object lands where an installation
// expects it: the right namespace, Bascule's labels, API versions Kubernetes 1.30 serves, and CRDs
// identical to crds/.
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

import { expect } from 'chai';
import { load } from 'js-yaml';

import {
    buildDefault,
    buildWithoutPrometheusOperator,
    find,
    NAMESPACE,
    repoRoot,
    type Manifest,
} from './manifests.ts';

/** Kinds that have no namespace; every other kind config/default makes is namespaced. */
const CLUSTER_SCOPED = new Set([
    'Namespace',
    'CustomResourceDefinition',
    'ClusterRole',
    'ClusterRoleBinding',
]);

/** Each kind's group/version: served by Kubernetes 1.30, or by the Prometheus Operator's CRDs. */
const API_VERSIONS: Record<string, string> = {
    Namespace: 'v1',
    ServiceAccount: 'v1',
    Secret: 'v1',
    Service: 'v1',
    ConfigMap: 'v1',
    Deployment: 'apps/v1',
    CustomResourceDefinition: 'apiextensions.k8s.io/v1',
    ClusterRole: 'rbac.authorization.k8s.io/v1',
    ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
    Role: 'rbac.authorization.k8s.io/v1',
    RoleBinding: 'rbac.authorization.k8s.io/v1',
    ServiceMonitor: 'monitoring.coreos.com/v1',
    PrometheusRule: 'monitoring.coreos.com/v1',
};

const crdFolder = resolve(repoRoot, 'crds');
const crdFiles = readdirSync(crdFolder).filter((f) => f.endsWith('.yaml'));

describe('config/default', () => {
    let objects: Manifest[];

    before(() => {
        objects = buildDefault();
    });

    it('should build with kubectl kustomize into the objects an installation needs', () => {
        const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);

        expect(names).to.include.members([
            `Namespace/${NAMESPACE}`,
            'CustomResourceDefinition/tenants.bascule.io',
            'CustomResourceDefinition/virtualmachines.bascule.io',
            'CustomResourceDefinition/elasticpools.bascule.io',
            'ServiceAccount/bascule',
            'ClusterRole/bascule-operator',
            'ClusterRole/bascule-metrics-reader',
            'Role/bascule-leader-election',
            'Deployment/bascule-operator',
            'Service/bascule-operator-metrics',
            'ServiceMonitor/bascule-operator',
            'PrometheusRule/bascule-operator',
            'ConfigMap/bascule-dashboard',
        ]);
        expect(new Set(names).size).to.equal(names.length);
    });

    it('should put namespaced objects in bascule-system and cluster-scoped ones in none', () => {
        const misplaced = objects.filter((o) =>
            CLUSTER_SCOPED.has(o.kind)
                ? o.metadata.namespace !== undefined
                : o.metadata.namespace !== NAMESPACE,
        );

        expect(misplaced.map((o) => `${o.kind}/${o.metadata.name}`)).to.deep.equal([]);
    });

    it('should label every object as part of Bascule, managed by kustomize', () => {
        const unlabelled = objects.filter(
            (o) =>
                o.metadata.labels?.['app.kubernetes.io/part-of'] !== 'bascule' ||
                o.metadata.labels['app.kubernetes.io/managed-by'] !== 'kustomize',
        );

        expect(unlabelled.map((o) => `${o.kind}/${o.metadata.name}`)).to.deep.equal([]);
    });

    it('should use only API versions that Kubernetes 1.30 serves', () => {
        for (const o of objects) {
            expect(API_VERSIONS[o.kind], `${o.kind} is not an expected kind`).to.be.a('string');
            expect(o.apiVersion, `${o.kind}/${o.metadata.name}`).to.equal(API_VERSIONS[o.kind]);
        }
    });

    it('should bind RBAC subjects to ServiceAccounts that exist in bascule-system', () => {
        const accounts = objects.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name);
        const bindings = objects.filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding');
        const subjects = bindings.flatMap((b) => (b as Manifest & { subjects: Subject[] }).subjects);

        expect(bindings.length).to.be.greaterThan(3);
        for (const subject of subjects) {
            expect(subject.kind).to.equal('ServiceAccount');
            expect(subject.namespace).to.equal(NAMESPACE);
            expect(accounts).to.include(subject.name);
        }
    });

    it("should run the operator's image at the tag the kustomization's images: sets", () => {
        type Deployment = Manifest & { spec: { template: { spec: { containers: { image: string }[] } } } };
        const deployment = find(objects, 'Deployment', 'bascule-operator') as Deployment;
        const images = deployment.spec.template.spec.containers.map((c) => c.image);

        expect(images).to.include('ghcr.io/bascule-io/bascule:0.1.0');
        expect(images.every((image) => /:[\w.-]+$|@sha256:[0-9a-f]{64}$/.test(image))).to.equal(true);
    });

    for (const file of crdFiles) {
        it(`should install ${file} exactly as crds/ has it`, () => {
            const source = readFileSync(resolve(crdFolder, file), 'utf8');
            const expected = load(source) as Manifest;
            const installed = structuredClone(
                find(objects, 'CustomResourceDefinition', expected.metadata.name),
            );
            // Only the labels config/default adds may differ.
            const labels = { ...installed.metadata.labels };
            delete labels['app.kubernetes.io/part-of'];
            delete labels['app.kubernetes.io/managed-by'];
            installed.metadata.labels = labels;
            expect(installed).to.deep.equal({
                ...expected,
                metadata: { ...expected.metadata, labels: expected.metadata.labels ?? {} },
            });
        });
    }
});

interface Subject {
    kind: string;
    name: string;
    namespace?: string;
}

describe('config/without-prometheus-operator', () => {
    it('should hold what config/default does, less the Prometheus Operator kinds', () => {
        const id = (m: Manifest) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
        const all = buildDefault();
        const bare = buildWithoutPrometheusOperator();
        const operatorKinds = new Set(['ServiceMonitor', 'PrometheusRule']);

        expect(all.filter((m) => operatorKinds.has(m.kind))).to.have.length(2);
        expect(bare.map(id).sort()).to.deep.equal(
            all
                .filter((m) => !operatorKinds.has(m.kind))
                .map(id)
                .sort(),
        );
    });
});
