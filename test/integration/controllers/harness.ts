// Runs the Tenant and VirtualMachine controllers in-process against the local API server and an
// in-process simulator. Each harness serves only objects labelled with its own run ID.
import { PassThrough } from 'node:stream';

import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';

import type { Simulator } from '../../../hack/openstack-sim/server.ts';
import { CloudClient } from '../../../operator/openstack/cloud-client.ts';
import { KeystoneAdmin } from '../../../operator/openstack/keystone-admin.ts';
import { Nova } from '../../../operator/openstack/nova.ts';
import { Placement } from '../../../operator/openstack/placement.ts';
import { References } from '../../../operator/openstack/references.ts';
import { TEST_SETTINGS, type ClientSettings } from '../../../operator/openstack/settings.ts';
import { ARBITRATION_PROFILES } from '../../../operator/controllers/arbitration/settings.ts';
import { AuditWriter, auditRequestIds } from '../../../operator/controllers/shared/audit.ts';
import type { CloudApi } from '../../../operator/controllers/shared/deps.ts';
import { ControllerMetrics } from '../../../operator/controllers/shared/metrics.ts';
import type { SecretSource } from '../../../operator/controllers/shared/secrets.ts';
import {
    TEST_RECONCILE_SETTINGS,
    type ReconcileSettings,
} from '../../../operator/controllers/shared/settings.ts';
import type { CapacityGate } from '../../../operator/controllers/elasticpool/gate.ts';
import { registerControllers } from '../../../operator/controllers/register.ts';
import { realClock } from '../../../operator/runtime/clock.ts';
import { parseConfig } from '../../../operator/runtime/config.ts';
import { createLogger, type Logger } from '../../../operator/runtime/logging.ts';
import { Manager } from '../../../operator/runtime/manager.ts';
import { TEST_ELECTION, type ElectionSettings } from '../../../operator/runtime/leader-election.ts';
import { startTestSim } from '../../sim/helpers.ts';
import { simCloud } from '../../openstack/helpers.ts';
import { localCluster, requireCluster, testNamespace } from '../runtime/cluster.ts';

export const RUN_LABEL = 'bascule.io/test-run';
const GROUP = { group: 'bascule.io', version: 'v1alpha1' };

export interface Harness {
    sim: Simulator;
    cloud: CloudApi;
    manager: Manager;
    runId: string;
    installationId: string;
    logs: string[];
    api: CustomObjectsApi;
    /** Resolves once the controllers run (at once without leader election; when leading, with it). */
    leading: Promise<void>;
    /** Removes this run's objects, then stops the operator (and the simulator, unless given one). */
    stop(): Promise<void>;
    /** Stops the operator only (its lease released), leaving the objects and the simulator. */
    halt(): Promise<void>;
}

/** A cloud API over the simulator, as the operator's wiring would build it. */
export function simCloudApi(sim: Simulator, settings: ClientSettings = TEST_SETTINGS): CloudApi {
    const client = new CloudClient({ cloud: simCloud(sim), settings, observer: auditRequestIds });
    return {
        client,
        keystone: new KeystoneAdmin(client),
        nova: new Nova(client, '2.90'),
        placement: new Placement(client),
        references: new References(client),
    };
}

/** Starts a simulator and a manager running Bascule's controllers with test timings. */
/** Changes to the controllers' wiring for one suite. */
export interface HarnessOptions {
    settings?: Partial<ReconcileSettings>;
    secrets?: SecretSource;
    /** The ElasticPools' growth gate; absent: admits all (or the arbiter's, with `arbitration`). */
    gate?: CapacityGate;
    /** Runs capacity arbitration with test timings (its loop and its growth gate). */
    arbitration?: boolean;
    /** Client settings over the test ones (a benchmark's reference cache). */
    client?: Partial<ClientSettings>;
    /** Extra operator flags (a benchmark's workers and queue rate). */
    flags?: string[];
    /** Arbitration writes its decisions as Events only (with `arbitration`). */
    dryRun?: boolean;
    /** A simulator to use instead of starting one (it is left running on stop). */
    sim?: Simulator;
    /** Serves another harness's run (its objects and installation ID), as a second operator instance. */
    runId?: string;
    /** Elects a leader on this Lease (test timings unless given); startHarness returns before it leads. */
    leaderElection?: { namespace: string; name: string; timings?: ElectionSettings };
}

export async function startHarness(
    kc: KubeConfig,
    simOverrides = {},
    options: HarnessOptions = {},
): Promise<Harness> {
    const sim = options.sim ?? (await startTestSim(simOverrides));
    const cloud = simCloudApi(sim, { ...TEST_SETTINGS, ...options.client });
    const runId = options.runId ?? testNamespace('run');
    const installationId = runId.replace(/[^a-z0-9]/g, '');
    const logs: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => logs.push(...chunk.toString().split('\n').filter(Boolean)));
    const log: Logger = createLogger('info', stream);

    // Arbitration moves hundreds of machines at once: more workers, and no overall reconcile limit.
    const scale =
        options.arbitration === true ? ['--workers=8', '--queue-qps=1000', '--queue-burst=1000'] : [];
    const lease = options.leaderElection;
    const electing =
        lease === undefined
            ? []
            : [
                  '--leader-elect',
                  `--leader-election-namespace=${lease.namespace}`,
                  `--leader-election-id=${lease.name}`,
              ];
    const flags = [
        '--metrics-bind-address=0',
        '--health-probe-bind-address=0',
        ...scale,
        ...electing,
        ...(options.flags ?? []),
    ];
    const config = parseConfig(flags, {});
    const timings = {
        controller: { terminalRetryMs: 300, resyncIntervalMs: 60_000, shutdownGraceMs: 100 },
        ...(lease === undefined ? {} : { election: lease.timings ?? TEST_ELECTION }),
    };
    const manager = new Manager({ config, kubeConfig: kc, log, timings });
    const labelled = (obj: { metadata?: { labels?: Record<string, string> } }) =>
        obj.metadata?.labels?.[RUN_LABEL] === runId;
    const stopObservation = registerControllers(manager, {
        cloud,
        installationId,
        settings: { ...TEST_RECONCILE_SETTINGS, ...options.settings },
        ...(options.secrets ? { secrets: options.secrets } : {}),
        ...(options.gate ? { gate: options.gate } : {}),
        metrics: new ControllerMetrics(manager.metrics.registry),
        audit: new AuditWriter(log),
        clock: realClock,
        kubeConfig: kc,
        events: manager.events,
        log,
        accepts: labelled,
        pollIntervalMs: 50,
        ...(options.arbitration === true
            ? {
                  arbitration: {
                      settings: ARBITRATION_PROFILES.test,
                      aggregates: [],
                      dryRun: options.dryRun === true,
                  },
              }
            : {}),
    });
    const leading = manager.start();
    if (lease === undefined) await leading;

    const api = kc.makeApiClient(CustomObjectsApi);
    const halt = async () => {
        stopObservation();
        await manager.stop();
    };
    const stop = async () => {
        await cleanUp(api, runId);
        await halt();
        if (options.sim === undefined) await sim.stop();
    };
    return {
        sim,
        cloud,
        manager,
        runId,
        installationId,
        logs,
        api: kc.makeApiClient(CustomObjectsApi),
        leading,
        stop,
        halt,
    };
}

export type Obj = Record<string, unknown> & {
    metadata: {
        name: string;
        namespace?: string;
        labels?: Record<string, string>;
        uid?: string;
        generation?: number;
        annotations?: Record<string, string>;
    };
    spec?: Record<string, unknown>;
    status?: Record<string, unknown> & {
        conditions?: { type: string; status: string; reason: string; message?: string }[];
    };
};

/** Tenant objects of this run. */
export function tenants(h: Harness) {
    const ref = { ...GROUP, plural: 'tenants' };
    return {
        create: (name: string, spec: Record<string, unknown>) =>
            h.api.createClusterCustomObject({
                ...ref,
                body: { apiVersion: 'bascule.io/v1alpha1', kind: 'Tenant', metadata: meta(h, name), spec },
            }) as Promise<Obj>,
        get: (name: string) => h.api.getClusterCustomObject({ ...ref, name }) as Promise<Obj>,
        replace: (obj: Obj) =>
            h.api.replaceClusterCustomObject({ ...ref, name: obj.metadata.name, body: obj }),
        remove: (name: string) => h.api.deleteClusterCustomObject({ ...ref, name }),
    };
}

/** VirtualMachine objects of this run in `namespace`. */
export function machines(h: Harness, namespace: string) {
    const ref = { ...GROUP, plural: 'virtualmachines', namespace };
    return {
        create: (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) =>
            h.api.createNamespacedCustomObject({
                ...ref,
                body: {
                    apiVersion: 'bascule.io/v1alpha1',
                    kind: 'VirtualMachine',
                    metadata: { ...meta(h, name), ...(annotations ? { annotations } : {}) },
                    spec,
                },
            }) as Promise<Obj>,
        get: (name: string) => h.api.getNamespacedCustomObject({ ...ref, name }) as Promise<Obj>,
        replace: (obj: Obj) =>
            h.api.replaceNamespacedCustomObject({ ...ref, name: obj.metadata.name, body: obj }),
        remove: (name: string) => h.api.deleteNamespacedCustomObject({ ...ref, name }),
    };
}

function meta(h: Harness, name: string) {
    return { name, labels: { [RUN_LABEL]: h.runId } };
}

/** The condition of `type`, if any. */
export function condition(obj: Obj, type: string) {
    return obj.status?.conditions?.find((c) => c.type === type);
}

/** The value of a metric series of the controllers, or undefined when the series is absent. */
export async function metricValue(h: Harness, name: string, labels: Record<string, string>) {
    const metric = h.manager.metrics.registry.getSingleMetric(name);
    const { values } = (await metric?.get()) ?? { values: [] };
    const found = values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
    return found?.value;
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function until<T>(
    what: string,
    probe: () => Promise<T | undefined>,
    timeoutMs = 20_000,
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const value = await probe();
            if (value !== undefined) return value;
        } catch (err) {
            last = err;
        }
        if (Date.now() > deadline) throw new Error(`${what}: not reached in time (${String(last)})`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

/** Waits until `get()` shows condition `type` with `status` (and `reason` when given). */
export function waitCondition(get: () => Promise<Obj>, type: string, status: string, reason?: string) {
    return until(`${type}=${status} ${reason ?? ''}`, async () => {
        const obj = await get();
        const c = condition(obj, type);
        const ok = c?.status === status && (reason === undefined || c.reason === reason);
        return ok ? obj : undefined;
    });
}

/** Waits until the object is gone. */
export function waitGone(get: () => Promise<Obj>) {
    return until('deleted', async () => {
        try {
            await get();
            return undefined;
        } catch (err) {
            return (err as { code?: number }).code === 404 ? true : undefined;
        }
    });
}

/**
 * Deletes what a failed test left behind while the controllers still run, then strips the
 * finalizers of anything still there, so no later operator finds this run's objects.
 */
async function cleanUp(api: CustomObjectsApi, runId: string): Promise<void> {
    const labelSelector = `${RUN_LABEL}=${runId}`;
    const kinds = [
        { ...GROUP, plural: 'elasticpools' },
        { ...GROUP, plural: 'virtualmachines' },
        { ...GROUP, plural: 'tenants' },
    ];
    for (const ref of kinds) {
        const list = await listRun(api, ref, labelSelector);
        for (const obj of list.items) await remove(api, ref, obj, false);
        await until(
            'leftovers deleted',
            async () => {
                const left = await listRun(api, ref, labelSelector);
                return left.items.length === 0 ? true : undefined;
            },
            10_000,
        ).catch(async () => {
            const left = await listRun(api, ref, labelSelector);
            for (const obj of left.items) await remove(api, ref, obj, true);
        });
    }
}

async function remove(
    api: CustomObjectsApi,
    ref: typeof GROUP & { plural: string },
    obj: Obj,
    strip: boolean,
) {
    const { name, namespace } = obj.metadata;
    const at = { ...ref, name };
    if (strip) {
        const body = { ...obj, metadata: { ...obj.metadata, finalizers: [] } };
        await (
            namespace === undefined
                ? api.replaceClusterCustomObject({ ...at, body })
                : api.replaceNamespacedCustomObject({ ...at, namespace, body })
        ).catch(() => undefined);
        return;
    }
    await (
        namespace === undefined
            ? api.deleteClusterCustomObject(at)
            : api.deleteNamespacedCustomObject({ ...at, namespace })
    ).catch(() => undefined);
}

async function listRun(api: CustomObjectsApi, ref: typeof GROUP & { plural: string }, labelSelector: string) {
    const { group, version, plural } = ref;
    const list: unknown = await api.listCustomObjectForAllNamespaces({
        group,
        version,
        resourcePlural: plural,
        labelSelector,
    });
    return list as { items: Obj[] };
}

/** What most controller suites start from: a harness and one Ready Tenant listing the suite's namespace. */
export interface TenantSuite {
    h: Harness;
    vms: ReturnType<typeof machines>;
    projectId: string;
}

/**
 * Registers the suite's hooks: before it, a harness and a Tenant of `guarantee` that lists
 * `namespace`, waited for until Ready; after it, both removed. The fields are filled in by the
 * time the suite's own hooks and tests run.
 */
export function tenantSuite(
    tenant: string,
    namespace: string,
    guarantee: Record<string, unknown>,
    options: HarnessOptions = {},
): TenantSuite {
    const suite = {} as TenantSuite;

    before(async function () {
        const kc = await localCluster();
        requireCluster(this, kc);
        suite.h = await startHarness(kc, {}, options);
        suite.vms = machines(suite.h, namespace);
        const t = tenants(suite.h);
        await t.create(tenant, { guarantee, namespaces: [namespace] });
        const ready = await waitCondition(() => t.get(tenant), 'Ready', 'True');
        suite.projectId = ready.status?.projectID as string;
    });

    after(async () => {
        const t = tenants(suite.h);
        await t.remove(tenant).catch(() => undefined);
        await waitGone(() => t.get(tenant)).catch(() => undefined);
        await suite.h.stop();
    });

    return suite;
}
