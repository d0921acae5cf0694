// The embedded default's processes: the local API server (hack/cluster), the OpenStack simulator and
// the operator, started in the foreground for the demo or in the background for `make up`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import https from 'node:https';

import {
    CustomObjectsApi,
    KubeConfig,
    KubernetesObjectApi,
    PatchStrategy,
    setHeaderOptions,
} from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { PooledKubeConfig } from '../../operator/runtime/kube-config.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const LOCAL = resolve(ROOT, '.local');
export const KUBECONFIG = resolve(LOCAL, 'kubeconfig');
export const CLOUDS_YAML = resolve(LOCAL, 'clouds.yaml');
export const LOGS = resolve(LOCAL, 'logs');
/** Present while an API server that `make up` started runs: `make down` stops only that one. */
export const CLUSTER_MARKER = resolve(LOCAL, 'up-started-cluster');
export const SIM_PORT = 8774;
export const PROBE_ADDRESS = '127.0.0.1:8081';
export const METRICS_ADDRESS = '127.0.0.1:8080';

/** The simulator's boot latency is tens of seconds: a second of the defaults becomes this many. */
export const DEMO_LATENCY_SCALE = 20;

const FIELD_MANAGER = 'bascule-demo';

/** Whether the local API server is running (its pid file names a live process). */
export function clusterUp(): boolean {
    return alive(resolve(LOCAL, 'kube-apiserver.pid'));
}

/** Starts the local API server and etcd (hack/cluster/up.sh); throws with its output on failure. */
export function clusterStart(): void {
    run('bash', [resolve(ROOT, 'hack/cluster/up.sh')]);
}

export function clusterStop(): void {
    run('bash', [resolve(ROOT, 'hack/cluster/down.sh')]);
}

/** The operator's command line on the embedded default: the demo profile, sized for thousands of machines. */
export function operatorArgs(): string[] {
    return [
        resolve(ROOT, 'operator/main.ts'),
        `--kubeconfig=${KUBECONFIG}`,
        `--clouds-yaml=${CLOUDS_YAML}`,
        '--cloud=bascule-sim',
        '--settings-profile=demo',
        '--installation-id=demo',
        `--metrics-bind-address=${METRICS_ADDRESS}`,
        `--health-probe-bind-address=${PROBE_ADDRESS}`,
        '--workers=32',
        '--queue-qps=1000',
        '--queue-burst=1000',
        // The simulator is the only tenant of this "cloud": let the operator go as fast as it can.
        '--cloud-qps=400',
        '--cloud-burst=400',
    ];
}

/** Starts a Node program with its output in .local/logs/<name>.log; detached ones outlive this process. */
export function startProcess(name: string, args: string[], detached: boolean): ChildProcess {
    mkdirSync(LOGS, { recursive: true });
    const log = openSync(resolve(LOGS, `${name}.log`), 'w');
    const child = spawn(process.execPath, args, {
        cwd: ROOT,
        stdio: ['ignore', log, log],
        detached,
        env: { ...process.env, NO_COLOR: '1' },
    });
    closeSync(log);
    if (detached) {
        writeFileSync(pidFile(name), String(child.pid));
        child.unref();
    }
    return child;
}

/** Stops a process started detached (its pid file), TERM then KILL; true if one was running. */
export async function stopProcess(name: string): Promise<boolean> {
    const file = pidFile(name);
    if (!alive(file)) {
        rmSync(file, { force: true });
        return false;
    }
    const pid = Number(readFileSync(file, 'utf8'));
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(file, { force: true });
    return true;
}

export function running(name: string): boolean {
    return alive(pidFile(name));
}

/** Waits until `url` answers 200, or throws after `timeoutMs` naming `what` and its log. */
export async function waitHttp(url: string, what: string, timeoutMs: number, logName?: string) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const ok = await fetch(url)
            .then((res) => res.ok)
            .catch(() => false);
        if (ok) return;
        await sleep(200);
    }
    const hint = logName === undefined ? '' : `; see .local/logs/${logName}.log`;
    throw new Error(`${what} did not become ready within ${String(timeoutMs / 1000)} s${hint}`);
}

export function kubeConfig(): KubeConfig {
    const kc = new PooledKubeConfig();
    kc.loadFromFile(KUBECONFIG);
    return kc;
}

/** Server-side applies every document of `files` (as the demo's field manager). Returns how many. */
export async function applyFiles(kc: KubeConfig, files: string[]): Promise<number> {
    const docs = files.flatMap((file) =>
        (yaml.loadAll(readFileSync(resolve(ROOT, file), 'utf8')) as Manifest[]).filter(Boolean),
    );
    for (const doc of docs) await apply(kc, doc);
    return docs.length;
}

interface Manifest {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
}

const PLURALS: Record<string, string> = {
    CustomResourceDefinition: 'customresourcedefinitions',
    Tenant: 'tenants',
    VirtualMachine: 'virtualmachines',
    ElasticPool: 'elasticpools',
};

/**
 * One server-side apply, sent as the manifest's own JSON: the typed clients re-serialize objects
 * through their models, which drops schema extensions such as x-kubernetes-int-or-string.
 */
async function apply(kc: KubeConfig, doc: Manifest): Promise<void> {
    const plural = PLURALS[doc.kind];
    if (plural === undefined) throw new Error(`the demo does not apply ${doc.kind} objects`);
    const ns = doc.metadata.namespace === undefined ? '' : `/namespaces/${doc.metadata.namespace}`;
    const path = `/apis/${doc.apiVersion}${ns}/${plural}/${doc.metadata.name}`;
    const query = `?fieldManager=${FIELD_MANAGER}&force=true`;
    const server = new URL(kc.getCurrentCluster()?.server ?? '');
    const options: https.RequestOptions = {
        method: 'PATCH',
        hostname: server.hostname,
        port: server.port,
        path: path + query,
        headers: { 'Content-Type': 'application/apply-patch+yaml', Accept: 'application/json' },
    };
    await kc.applyToHTTPSOptions(options);
    const body = JSON.stringify(doc);
    const { status, text } = await new Promise<{ status: number; text: string }>((done, fail) => {
        const req = https.request(options, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => {
                done({ status: res.statusCode ?? 0, text });
            });
        });
        req.on('error', fail);
        req.end(body);
    });
    if (status < 200 || status >= 300) {
        const message = (JSON.parse(text) as { message?: string }).message ?? text;
        throw new Error(`applying ${doc.kind} ${doc.metadata.name}: ${message}`);
    }
}

/** The CRDs in crds/, applied and established (the API server serves their kinds). */
export async function installCrds(kc: KubeConfig): Promise<void> {
    const files = ['tenant.yaml', 'virtualmachine.yaml', 'elasticpool.yaml'].map((f) => `crds/${f}`);
    await applyFiles(kc, files);
    const api = KubernetesObjectApi.makeApiClient(kc);
    const deadline = Date.now() + 30_000;
    for (const plural of ['tenants', 'virtualmachines', 'elasticpools']) {
        for (;;) {
            const served = await api
                .list('bascule.io/v1alpha1', kindOf(plural))
                .then(() => true)
                .catch(() => false);
            if (served) break;
            if (Date.now() > deadline) throw new Error(`the ${plural} CRD was not served within 30 s`);
            await sleep(200);
        }
    }
    refreshKubectlDiscovery();
}

/**
 * kubectl caches the API server's discovery for ten minutes (~/.kube/cache/discovery); a cache
 * written before the CRDs existed has no bascule.io group, and `kubectl get bascule` would fail
 * once. `kubectl api-resources` rewrites it. Best effort: kubectl may not be installed.
 */
function refreshKubectlDiscovery(): void {
    spawnSync('kubectl', ['--kubeconfig', KUBECONFIG, 'api-resources', '--api-group=bascule.io'], {
        stdio: 'ignore',
        timeout: 30_000,
    });
}

function kindOf(plural: string): string {
    return (
        { tenants: 'Tenant', virtualmachines: 'VirtualMachine', elasticpools: 'ElasticPool' }[plural] ?? ''
    );
}

export function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

function pidFile(name: string): string {
    return resolve(LOCAL, `${name}.pid`);
}

function alive(file: string): boolean {
    if (!existsSync(file)) return false;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid);
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

function run(command: string, args: string[]): void {
    const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
    if (result.status !== 0) {
        throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
    }
}

const DEMO_NAMESPACES = ['elections', 'alerts', 'analytics'];
const DEMO_TENANTS = ['background', 'elections', 'alerts', 'analytics'];

/**
 * Removes the demo's objects (its pools and machines in its namespaces, its Tenants), finalizers
 * stripped: run only while no operator serves them, so a run starts from the samples alone on an
 * API server that was already up, and leaves it as it found it. Returns how many were removed.
 */
export async function removeDemoObjects(kc: KubeConfig): Promise<number> {
    const api = kc.makeApiClient(CustomObjectsApi);
    const group = { group: 'bascule.io', version: 'v1alpha1' };
    const found: { plural: string; namespace?: string; name: string }[] = [];
    for (const plural of ['elasticpools', 'virtualmachines']) {
        for (const namespace of DEMO_NAMESPACES) {
            const list = (await api.listNamespacedCustomObject({ ...group, plural, namespace })) as Listed;
            for (const item of list.items) found.push({ plural, namespace, name: item.metadata.name });
        }
    }
    const tenants = (await api.listClusterCustomObject({ ...group, plural: 'tenants' })) as Listed;
    for (const item of tenants.items) {
        if (DEMO_TENANTS.includes(item.metadata.name))
            found.push({ plural: 'tenants', name: item.metadata.name });
    }

    const strip = { metadata: { finalizers: null } };
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    for (const { plural, namespace, name } of found) {
        const ref = { ...group, plural, name };
        const gone = () => undefined;
        if (namespace === undefined) {
            await api.patchClusterCustomObject({ ...ref, body: strip }, merge).catch(gone);
            await api.deleteClusterCustomObject(ref).catch(gone);
        } else {
            await api.patchNamespacedCustomObject({ ...ref, namespace, body: strip }, merge).catch(gone);
            await api.deleteNamespacedCustomObject({ ...ref, namespace }).catch(gone);
        }
    }
    return found.length;
}

interface Listed {
    items: { metadata: { name: string } }[];
}
