// The operator's Deployment passes only flags the operator accepts (parsed with its own parser),
// keeps metrics on loopback behind kube-rbac-proxy, probes the port its flags set, mounts the
// clouds.yaml it names, and runs both containers hardened.
import { expect } from 'chai';

import { parseConfig, type OperatorConfig } from '../../../operator/runtime/config.ts';
import { buildDefault, find, NAMESPACE, type Manifest } from './manifests.ts';

interface SecurityContext {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
}
interface Probe {
    httpGet: { path: string; port: string | number };
}
interface Container {
    name: string;
    image: string;
    command?: string[];
    args?: string[];
    env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
    ports?: { name: string; containerPort: number }[];
    livenessProbe?: Probe;
    readinessProbe?: Probe;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext?: SecurityContext;
    volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
    serviceAccountName: string;
    automountServiceAccountToken?: boolean;
    hostNetwork?: boolean;
    securityContext: SecurityContext & { fsGroup?: number };
    containers: Container[];
    volumes: { name: string; secret?: { secretName: string } }[];
}
type Deployment = Manifest & { spec: { replicas: number; template: { spec: PodSpec } } };

/** The environment a container sees, with downward-API fields resolved as the kubelet would. */
function environment(container: Container, namespace: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const { name, value, valueFrom } of container.env ?? []) {
        if (value !== undefined) env[name] = value;
        else if (valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[name] = namespace;
        else throw new Error(`env ${name}: a source this test does not resolve`);
    }
    return env;
}

function portOf(container: Container, port: string | number): number | undefined {
    return typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;
}

function container(pod: PodSpec, name: string): Container {
    const found = pod.containers.find((c) => c.name === name);
    if (found === undefined) throw new Error(`no container ${name}`);
    return found;
}

/** kube-rbac-proxy's --flag=value arguments. */
function flags(container: Container): Map<string, string> {
    return new Map(
        (container.args ?? []).map((arg) => /^--([\w-]+)=(.*)$/.exec(arg)?.slice(1, 3) as [string, string]),
    );
}

describe('the operator Deployment', () => {
    let deployment: Deployment;
    let pod: PodSpec;
    let manager: Container;
    let proxy: Container;
    let config: OperatorConfig;

    before(() => {
        deployment = find(buildDefault(), 'Deployment', 'bascule-operator') as Deployment;
        pod = deployment.spec.template.spec;
        manager = container(pod, 'manager');
        proxy = container(pod, 'kube-rbac-proxy');
        config = parseConfig(manager.args ?? [], environment(manager, NAMESPACE));
    });

    it("should pass only flags the operator's own parser accepts, to the image's entrypoint", () => {
        expect(manager.command).to.equal(undefined);
        expect(() => parseConfig(manager.args ?? [], environment(manager, NAMESPACE))).not.to.throw();
        expect(() => parseConfig([...(manager.args ?? []), '--no-such-flag'], {})).to.throw(/no-such-flag/);
    });

    it('should elect a leader on a Lease in its own namespace', () => {
        expect(config.leaderElect).to.equal(true);
        expect(config.leaderElectionNamespace).to.equal(NAMESPACE);
        expect(environment(manager, 'elsewhere').POD_NAMESPACE).to.equal('elsewhere');
        expect(config.settingsProfile).to.equal('production');
        expect(config.secretsDir, 'Secrets come from the API server in a cluster').to.equal(undefined);
        expect(config.kubeconfig, 'in-cluster configuration').to.equal(undefined);
    });

    it('should serve metrics on loopback only, with kube-rbac-proxy in front of them', () => {
        const proxyFlags = flags(proxy);
        const upstream = new URL(proxyFlags.get('upstream') ?? '');

        expect(config.metricsBindAddress).to.deep.equal({ host: '127.0.0.1', port: 8080 });
        expect(manager.ports?.map((p) => p.containerPort)).not.to.include(8080);
        expect(upstream.hostname).to.equal('127.0.0.1');
        expect(Number(upstream.port)).to.equal(config.metricsBindAddress?.port);
        expect(proxyFlags.get('secure-listen-address')).to.equal('0.0.0.0:8443');
        expect(proxy.ports).to.deep.include({ name: 'https', containerPort: 8443, protocol: 'TCP' });
        expect(proxy.image).to.match(/^quay\.io\/brancz\/kube-rbac-proxy:v0\.(18|19)\.\d+$/);
        expect(pod.hostNetwork).not.to.equal(true);
    });

    it('should probe /healthz and /readyz on the port --health-probe-bind-address sets', () => {
        const probePort = config.healthProbeBindAddress?.port;
        const { livenessProbe, readinessProbe } = manager;

        expect(probePort).to.equal(8081);
        expect(livenessProbe?.httpGet.path).to.equal('/healthz');
        expect(readinessProbe?.httpGet.path).to.equal('/readyz');
        expect(portOf(manager, livenessProbe?.httpGet.port ?? '')).to.equal(probePort);
        expect(portOf(manager, readinessProbe?.httpGet.port ?? '')).to.equal(probePort);
    });

    it('should read the clouds.yaml it names from the bascule-cloud Secret, mounted read-only', () => {
        const mount = manager.volumeMounts?.find((m) => config.cloudsYaml?.startsWith(`${m.mountPath}/`));
        const volume = pod.volumes.find((v) => v.name === mount?.name);

        expect(config.cloudsYaml).to.equal('/etc/bascule/cloud/clouds.yaml');
        expect(config.cloud).to.be.a('string');
        expect(mount?.readOnly).to.equal(true);
        expect(volume?.secret?.secretName).to.equal('bascule-cloud');
    });

    it('should run as the bascule ServiceAccount, non-root with a read-only root file system', () => {
        expect(pod.serviceAccountName).to.equal('bascule');
        expect(pod.automountServiceAccountToken).not.to.equal(false);
        expect(pod.securityContext.runAsNonRoot).to.equal(true);
        expect(pod.securityContext.runAsUser).to.equal(65532);
        expect(pod.securityContext.seccompProfile?.type).to.equal('RuntimeDefault');

        for (const container of pod.containers) {
            const context = container.securityContext;
            expect(context?.runAsNonRoot, container.name).to.equal(true);
            expect(context?.readOnlyRootFilesystem, container.name).to.equal(true);
            expect(context?.allowPrivilegeEscalation, container.name).to.equal(false);
            expect(context?.privileged, container.name).not.to.equal(true);
            expect(context?.capabilities?.drop, container.name).to.deep.equal(['ALL']);
            expect(context?.capabilities?.add, container.name).to.equal(undefined);
            expect(context?.seccompProfile?.type, container.name).to.equal('RuntimeDefault');
        }
    });

    it('should set requests and limits on every container', () => {
        for (const container of pod.containers) {
            expect(container.resources?.requests, container.name).to.have.keys(['cpu', 'memory']);
            expect(container.resources?.limits, container.name).to.include.keys(['memory']);
        }
    });

    it('should live in a namespace that enforces the restricted Pod Security Standard', () => {
        const namespace = find(buildDefault(), 'Namespace', NAMESPACE);

        expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).to.equal('restricted');
    });
});
