// The operator's RBAC grants exactly what its code calls, no more: a table of the calls, checked
// against the Kubernetes API calls found in operator/ and against the Roles config/default binds to
// its ServiceAccount.
import { readFileSync, readdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';

import { expect } from 'chai';

import { buildDefault, find, NAMESPACE, readYaml, repoRoot, type Manifest } from './manifests.ts';

type Scope = 'cluster' | 'namespace';

/** One permission: API group, resource (or resource/subresource), verb, and where it applies. */
interface Grant {
    group: string;
    resource: string;
    verb: string;
    scope: Scope;
}

/**
 * Every call the operator makes, as RBAC sees it. `namespace` scope means only in the operator's
 * own namespace (the leader election Lease, in POD_NAMESPACE).
 */
const CALLS: { group: string; resource: string; verbs: string[]; scope?: Scope; why: string }[] = [
    {
        group: 'bascule.io',
        resource: 'tenants',
        verbs: ['get', 'list', 'watch', 'update'],
        why: 'informer, live reads, finalizer',
    },
    {
        group: 'bascule.io',
        resource: 'tenants/status',
        verbs: ['update', 'patch'],
        why: 'status; the arbiter applies its block',
    },
    {
        group: 'bascule.io',
        resource: 'virtualmachines',
        verbs: ['get', 'list', 'watch', 'update', 'create', 'patch', 'delete'],
        why: 'informer, finalizer, and a pool making, parking and removing its children',
    },
    { group: 'bascule.io', resource: 'virtualmachines/status', verbs: ['update'], why: 'status' },
    {
        group: 'bascule.io',
        resource: 'elasticpools',
        verbs: ['get', 'list', 'watch', 'update'],
        why: 'informer, finalizer',
    },
    {
        group: 'bascule.io',
        resource: 'elasticpools/status',
        verbs: ['update', 'patch'],
        why: 'status; the arbiter applies grants',
    },
    {
        group: 'bascule.io',
        resource: 'elasticpools/finalizers',
        verbs: ['update'],
        why: "children's blockOwnerDeletion",
    },
    {
        group: 'events.k8s.io',
        resource: 'events',
        verbs: ['create', 'update'],
        why: 'Events and their series',
    },
    { group: '', resource: 'secrets', verbs: ['get'], why: 'labelled Secrets, read on demand' },
    {
        group: 'coordination.k8s.io',
        resource: 'leases',
        verbs: ['get', 'create', 'update'],
        scope: 'namespace',
        why: 'leader election',
    },
    { group: 'authentication.k8s.io', resource: 'tokenreviews', verbs: ['create'], why: 'kube-rbac-proxy' },
    {
        group: 'authorization.k8s.io',
        resource: 'subjectaccessreviews',
        verbs: ['create'],
        why: 'kube-rbac-proxy',
    },
];

/** How a client-node method maps to a verb; `status` when it acts on the status subresource. */
const METHOD_VERBS: { method: RegExp; verb: string; status?: true }[] = [
    { method: /\blist(Cluster|Namespaced)CustomObject\(/, verb: 'list' },
    { method: /\bnew Watch\(/, verb: 'watch' },
    { method: /\bget(Cluster|Namespaced)CustomObject\(/, verb: 'get' },
    { method: /\bcreate(Cluster|Namespaced)CustomObject\(/, verb: 'create' },
    { method: /\breplace(Cluster|Namespaced)CustomObject\(/, verb: 'update' },
    { method: /\breplace(Cluster|Namespaced)CustomObjectStatus\(/, verb: 'update', status: true },
    { method: /\bpatch(Cluster|Namespaced)CustomObject\(/, verb: 'patch' },
    { method: /\bpatch(Cluster|Namespaced)CustomObjectStatus\(/, verb: 'patch', status: true },
    { method: /\bdelete(Cluster|Namespaced)CustomObject\(/, verb: 'delete' },
    { method: /\breadNamespacedSecret\(/, verb: 'get' },
];

/** Any client-node API call or watch, known or not: a new one must be added to CALLERS. */
const ANY_API_CALL = new RegExp(
    [
        String.raw`\b(read|list|get|create|replace|patch|delete|connect)(Cluster|Namespaced)\w*\(`,
        String.raw`\b\w+ForAllNamespaces\(`,
        String.raw`\bnew Watch\(`,
        String.raw`\bmakeApiClient\(`,
    ].join('|'),
);

const crdPlurals = readdirSync(resolve(repoRoot, 'crds'))
    .filter((f) => f.endsWith('.yaml'))
    .map(
        (f) =>
            (readYaml(`crds/${f}`)[0] as Manifest & { spec: { names: { plural: string } } }).spec.names
                .plural,
    );

/**
 * The files that call the Kubernetes API, the resources their calls act on, and text in the file
 * showing it. The generic clients serve every kind a controller is registered for (the CRDs).
 */
const CALLERS: { file: string; group: string; resources: string[]; scope?: Scope; evidence: RegExp[] }[] = [
    { file: 'operator/runtime/kube-list-watch.ts', group: 'bascule.io', resources: crdPlurals, evidence: [] },
    {
        file: 'operator/runtime/kube-status-client.ts',
        group: 'bascule.io',
        resources: crdPlurals,
        evidence: [],
    },
    {
        file: 'operator/controllers/shared/kube-objects.ts',
        group: 'bascule.io',
        resources: crdPlurals,
        evidence: [],
    },
    {
        file: 'operator/controllers/elasticpool/child-client.ts',
        group: 'bascule.io',
        resources: ['virtualmachines'],
        evidence: [/const ref = VIRTUAL_MACHINES;/],
    },
    {
        file: 'operator/controllers/arbitration/writer.ts',
        group: 'bascule.io',
        resources: ['elasticpools', 'tenants'],
        evidence: [/plural: 'elasticpools'/, /\.\.\.TENANTS/],
    },
    {
        file: 'operator/runtime/lease-client.ts',
        group: 'coordination.k8s.io',
        resources: ['leases'],
        scope: 'namespace',
        evidence: [/group: 'coordination.k8s.io'/, /plural: 'leases'/],
    },
    {
        file: 'operator/runtime/kube-event-client.ts',
        group: 'events.k8s.io',
        resources: ['events'],
        evidence: [/group: 'events.k8s.io'/, /plural: 'events'/],
    },
    { file: 'operator/controllers/shared/secrets.ts', group: '', resources: ['secrets'], evidence: [] },
];

/** Grants that no API call in operator/ shows, each with the file that needs it. */
const BEYOND_CALLS: { grant: Grant; file: string; evidence: RegExp }[] = [
    {
        grant: { group: 'bascule.io', resource: 'elasticpools/finalizers', verb: 'update', scope: 'cluster' },
        file: 'operator/controllers/elasticpool/children.ts',
        evidence: /blockOwnerDeletion: true/,
    },
    {
        grant: { group: 'authentication.k8s.io', resource: 'tokenreviews', verb: 'create', scope: 'cluster' },
        file: 'config/manager/manager.yaml',
        evidence: /image: quay\.io\/brancz\/kube-rbac-proxy:/,
    },
    {
        grant: {
            group: 'authorization.k8s.io',
            resource: 'subjectaccessreviews',
            verb: 'create',
            scope: 'cluster',
        },
        file: 'config/manager/manager.yaml',
        evidence: /image: quay\.io\/brancz\/kube-rbac-proxy:/,
    },
    // The client-node calls used for Secrets, Leases and Events are matched by file above.
];

const key = (g: Grant) => `${g.group || 'core'} ${g.resource} ${g.verb} (${g.scope})`;

function sourceFiles(dir: string): string[] {
    return readdirSync(resolve(repoRoot, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => relative(repoRoot, resolve(repoRoot, dir, f)));
}

function read(file: string): string {
    return readFileSync(resolve(repoRoot, file), 'utf8');
}

/** The grants the calls found in operator/ need, from CALLERS and the methods each file calls. */
function grantsFromSources(): Grant[] {
    const grants: Grant[] = [];
    for (const caller of CALLERS) {
        const text = read(caller.file);
        for (const { method, verb, status } of METHOD_VERBS) {
            if (!method.test(text)) continue;
            for (const resource of caller.resources) {
                const scope = caller.scope ?? 'cluster';
                grants.push({
                    group: caller.group,
                    resource: status ? `${resource}/status` : resource,
                    verb,
                    scope,
                });
            }
        }
    }
    return grants;
}

interface Rule {
    apiGroups?: string[];
    resources?: string[];
    verbs: string[];
    nonResourceURLs?: string[];
}
type Role = Manifest & { rules: Rule[] };
type Binding = Manifest & {
    roleRef: { kind: string; name: string };
    subjects: { kind: string; name: string; namespace?: string }[];
};

/** What the bindings of config/default give to ServiceAccount `account`, rule by rule. */
function grantsOf(objects: readonly Manifest[], account: string): Grant[] {
    const bindings = objects.filter(
        (o): o is Binding =>
            (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') &&
            (o as Binding).subjects.some(
                (s) => s.kind === 'ServiceAccount' && s.name === account && s.namespace === NAMESPACE,
            ),
    );
    return bindings.flatMap((binding) => {
        const role = find(objects, binding.roleRef.kind, binding.roleRef.name) as Manifest & {
            rules: Rule[];
        };
        const scope: Scope = binding.kind === 'RoleBinding' ? 'namespace' : 'cluster';
        if (scope === 'namespace') expect(binding.metadata.namespace).to.equal(NAMESPACE);
        return role.rules.flatMap((rule) =>
            (rule.apiGroups ?? []).flatMap((group) =>
                (rule.resources ?? []).flatMap((resource) =>
                    rule.verbs.map((verb) => ({ group, resource, verb, scope })),
                ),
            ),
        );
    });
}

describe('the RBAC of config/default', () => {
    let objects: Manifest[];
    const expected = CALLS.flatMap((c) =>
        c.verbs.map((verb) => ({ group: c.group, resource: c.resource, verb, scope: c.scope ?? 'cluster' })),
    );

    before(() => {
        objects = buildDefault();
    });

    it('should list, for each file that calls the Kubernetes API, what it calls on', () => {
        const calling = sourceFiles('operator').filter((file) => ANY_API_CALL.test(read(file)));
        const known = [...CALLERS.map((c) => c.file), 'operator/controllers/production.ts'];

        // production.ts only builds the Secret reader's CoreV1Api client; secrets.ts makes the call.
        expect(read('operator/controllers/production.ts')).to.match(
            /kubeSecretSource\(kubeConfig\.makeApiClient\(CoreV1Api\)\)/,
        );
        expect(calling.sort()).to.deep.equal([...new Set(known)].sort());
        for (const caller of CALLERS) {
            for (const evidence of caller.evidence) expect(read(caller.file), caller.file).to.match(evidence);
        }
        expect(crdPlurals.sort()).to.deep.equal(['elasticpools', 'tenants', 'virtualmachines']);
    });

    it('should keep the table of calls in step with the calls found in operator/', () => {
        for (const extra of BEYOND_CALLS) expect(read(extra.file), extra.file).to.match(extra.evidence);
        const found = [...grantsFromSources(), ...BEYOND_CALLS.map((e) => e.grant)].map(key);

        expect([...new Set(found)].sort()).to.deep.equal(expected.map(key).sort());
    });

    it("should grant the operator's ServiceAccount exactly the calls it makes", () => {
        const granted = grantsOf(objects, 'bascule').map(key);

        expect(new Set(granted).size, 'a permission granted twice').to.equal(granted.length);
        expect(granted.sort()).to.deep.equal(expected.map(key).sort());
    });

    it('should let Secrets be read with get only, and use no wildcard anywhere', () => {
        const roles = objects.filter((o): o is Role => o.kind === 'ClusterRole' || o.kind === 'Role');
        const rules = roles.flatMap((role) => role.rules);
        const fields = rules.flatMap((r) => [
            ...(r.apiGroups ?? []),
            ...(r.resources ?? []),
            ...r.verbs,
            ...(r.nonResourceURLs ?? []),
        ]);

        expect(roles.length).to.be.greaterThan(3);
        expect(fields.filter((f) => f.includes('*'))).to.deep.equal([]);
        const secretRules = rules.filter((r) =>
            r.resources?.some((res) => res === 'secrets' || res.startsWith('secrets/')),
        );
        expect(secretRules).to.have.length(1);
        expect(secretRules[0]?.verbs).to.deep.equal(['get']);
    });

    it('should let the scraping identity get /metrics and nothing else', () => {
        const reader = find(objects, 'ClusterRole', 'bascule-metrics-reader') as Manifest & { rules: Rule[] };

        expect(reader.rules).to.deep.equal([{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
        expect(grantsOf(objects, 'bascule-metrics-reader')).to.deep.equal([]);
        const binding = find(objects, 'ClusterRoleBinding', 'bascule-metrics-reader') as Binding;
        expect(binding.roleRef.name).to.equal('bascule-metrics-reader');
        expect(binding.subjects).to.deep.equal([
            { kind: 'ServiceAccount', name: 'bascule-metrics-reader', namespace: NAMESPACE },
        ]);
    });

    it('should compute grants from the rules, so a missing verb fails', () => {
        const trimmed = structuredClone(objects);
        const role = find(trimmed, 'ClusterRole', 'bascule-operator') as Manifest & { rules: Rule[] };
        role.rules = role.rules.filter((rule) => !rule.resources?.includes('secrets'));

        expect(grantsOf(trimmed, 'bascule').map(key)).not.to.include(
            key({ group: '', resource: 'secrets', verb: 'get', scope: 'cluster' }),
        );
    });
});
