// `make bench-vm`: creates N VirtualMachines at once (default 200) against the in-process simulator
// and the local API server, and prints per machine: cloud calls by operation (from the simulator's
// call log), API-server calls by verb and resource (through a counting proxy in front of the API
// server), reconciles and reconcile time, and the wall time until all are Ready. Run with node;
// needs `make cluster-up`. Usage: node test/bench/virtualmachine-create.ts [N]
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

import {
    RUN_LABEL,
    startHarness,
    until,
    type Harness,
    type Obj,
} from '../integration/controllers/harness.ts';
import { DEMO_SETTINGS } from '../../operator/openstack/settings.ts';
import { localCluster } from '../integration/runtime/cluster.ts';

const COUNT = Number(process.argv[2] ?? 200);
const GROUP = { group: 'bascule.io', version: 'v1alpha1' };
/** The demo profile's reference cache; the rest of the client's settings are the test ones. */
const CLIENT = {
    referenceCacheMs: DEMO_SETTINGS.referenceCacheMs,
    referenceMissRefreshMs: DEMO_SETTINGS.referenceMissRefreshMs,
};

interface Proxy {
    kubeConfig: KubeConfig;
    counts: Map<string, number>;
    stop(): Promise<void>;
}

/** An HTTP proxy in front of the API server that counts requests by verb and resource. */
async function countingProxy(direct: KubeConfig): Promise<Proxy> {
    const cluster = direct.getCurrentCluster();
    const user = direct.getCurrentUser();
    if (cluster === null || user === null) throw new Error('no current cluster in the kubeconfig');
    const upstream = new URL(cluster.server);
    const ca = cluster.caFile === undefined ? undefined : readFileSync(cluster.caFile);
    const counts = new Map<string, number>();

    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const what = describe(req.method ?? 'GET', req.url ?? '/');
        counts.set(what, (counts.get(what) ?? 0) + 1);
        const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
        const out = send(
            {
                host: upstream.hostname,
                port: upstream.port,
                method: req.method,
                path: req.url,
                headers: { ...req.headers, host: upstream.host },
                ...(ca ? { ca } : {}),
            },
            (answer) => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(res);
            },
        );
        out.on('error', () => res.destroy());
        req.pipe(out);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
        clusters: [{ name: 'proxy', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
        users: [{ name: 'proxy', ...(user.token ? { token: user.token } : {}) }],
        contexts: [{ name: 'proxy', cluster: 'proxy', user: 'proxy' }],
        currentContext: 'proxy',
    });
    const stop = () =>
        new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => {
                resolve();
            });
        });
    return { kubeConfig, counts, stop };
}

/** "GET virtualmachines", "PUT virtualmachines/status", "WATCH tenants", "POST events"… */
function describe(method: string, url: string): string {
    const [path = '', query = ''] = url.split('?');
    const parts = path.split('/').filter(Boolean);
    const namespaced = parts.indexOf('namespaces');
    const rest = namespaced >= 0 ? parts.slice(namespaced + 2) : parts.slice(parts[0] === 'api' ? 2 : 3);
    const [resource = path, name, sub] = rest;
    const verb = /(^|&)watch=(1|true)/.test(query)
        ? 'WATCH'
        : name === undefined && method === 'GET'
          ? 'LIST'
          : method;
    return `${verb} ${resource}${sub === undefined ? '' : `/${sub}`}`;
}

/** "GET /servers/{id}" from a simulator call record's method and path. */
function operation(service: string, method: string, path: string): string {
    const id = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}/gi;
    return `${service} ${method} ${path.replace(id, '{id}')}`;
}

function table(title: string, counts: Map<string, number>, per: number): void {
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    console.log(`\n${title}: ${total} (${(total / per).toFixed(2)} per machine)`);
    const rows = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    for (const [what, n] of rows) {
        console.log(`  ${what.padEnd(60)} ${String(n).padStart(7)}  ${(n / per).toFixed(2).padStart(7)}`);
    }
}

async function readyCount(api: CustomObjectsApi, h: Harness): Promise<number> {
    const list = (await api.listCustomObjectForAllNamespaces({
        ...GROUP,
        resourcePlural: 'virtualmachines',
        labelSelector: `${RUN_LABEL}=${h.runId}`,
    })) as { items: Obj[] };
    return list.items.filter((vm) =>
        vm.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ).length;
}

async function histogram(h: Harness): Promise<{ count: number; sum: number }> {
    const metric = h.manager.metrics.registry.getSingleMetric('controller_runtime_reconcile_time_seconds');
    // A histogram's values carry the series name (…_count, …_sum) beside the labels.
    const values = ((await metric?.get())?.values ?? []) as {
        metricName?: string;
        labels: Record<string, unknown>;
        value: number;
    }[];
    const vm = (name: string) =>
        values.find((v) => v.metricName === name && v.labels.controller === 'virtualmachine')?.value ?? 0;
    return {
        count: vm('controller_runtime_reconcile_time_seconds_count'),
        sum: vm('controller_runtime_reconcile_time_seconds_sum'),
    };
}

async function main(): Promise<void> {
    const direct = await localCluster();
    if (direct === undefined) throw new Error('no local API server answers: run make cluster-up first');
    const proxy = await countingProxy(direct);
    const h = await startHarness(
        proxy.kubeConfig,
        {},
        {
            client: CLIENT,
            flags: ['--workers=32', '--queue-qps=1000', '--queue-burst=1000'],
            // Servers become ACTIVE through the bulk observation, as in the demo; the build check is a safety net.
            settings: { buildCheckMs: 5_000 },
        },
    );
    const api = direct.makeApiClient(CustomObjectsApi);
    const suffix = Date.now().toString(36);
    const namespace = `bench-${suffix}`;
    const tenant = `bench-${suffix}`;
    const labels = { [RUN_LABEL]: h.runId };
    try {
        await api.createClusterCustomObject({
            ...GROUP,
            plural: 'tenants',
            body: {
                apiVersion: 'bascule.io/v1alpha1',
                kind: 'Tenant',
                metadata: { name: tenant, labels },
                spec: {
                    guarantee: { instances: COUNT + 10, cores: COUNT + 10, ram: `${COUNT}Gi` },
                    namespaces: [namespace],
                },
            },
        });
        await until('tenant Ready', async () => {
            const t = (await api.getClusterCustomObject({
                ...GROUP,
                plural: 'tenants',
                name: tenant,
            })) as Obj;
            return t.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
                ? true
                : undefined;
        });

        h.sim.calls.clear();
        proxy.counts.clear();
        const before = await histogram(h);
        const started = performance.now();
        const spec = {
            tenant,
            flavor: { name: 'm1.tiny' },
            image: { name: 'cirros-0.6.2' },
            networks: [{ name: 'private' }],
        };
        for (let i = 0; i < COUNT; i += 50) {
            const batch = Array.from({ length: Math.min(50, COUNT - i) }, (_, j) =>
                api.createNamespacedCustomObject({
                    ...GROUP,
                    plural: 'virtualmachines',
                    namespace,
                    body: {
                        apiVersion: 'bascule.io/v1alpha1',
                        kind: 'VirtualMachine',
                        metadata: { name: `vm-${i + j}`, labels },
                        spec,
                    },
                }),
            );
            await Promise.all(batch);
        }
        await until(
            'all Ready',
            async () => ((await readyCount(api, h)) === COUNT ? true : undefined),
            10 * 60_000,
        );
        const seconds = (performance.now() - started) / 1000;
        const after = await histogram(h);

        const cloud = new Map<string, number>();
        for (const call of h.sim.calls.find({})) {
            const op = operation(call.service, call.method, call.path);
            cloud.set(op, (cloud.get(op) ?? 0) + 1);
        }
        const reconciles = after.count - before.count;
        console.log(`${COUNT} VirtualMachines Ready in ${seconds.toFixed(1)} s`);
        console.log(
            `reconciles: ${reconciles} (${(reconciles / COUNT).toFixed(2)} per machine), ` +
                `mean reconcile time ${((1000 * (after.sum - before.sum)) / Math.max(1, reconciles)).toFixed(0)} ms`,
        );
        table('cloud calls', cloud, COUNT);
        table('API-server calls by the operator', proxy.counts, COUNT);
    } finally {
        const stopping = performance.now();
        await h.stop();
        await proxy.stop();
        console.log(`\n(cleaned up in ${((performance.now() - stopping) / 1000).toFixed(1)} s)`);
    }
}

await main();
