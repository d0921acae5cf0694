import { isDeepStrictEqual } from 'node:util';

import type { Registry } from 'prom-client';

import type { Cloud } from '../../cloud.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Controller } from '../../runtime/controller.ts';
import type { EventInput } from '../../runtime/event-recorder.ts';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../runtime/kube-object.ts';
import type { Logger } from '../../runtime/logging.ts';
import { effectiveDesired } from '../elasticpool/desired.ts';
import { POOL_LABEL, type ElasticPool } from '../elasticpool/types.ts';
import { add, ZERO } from '../../arbiter/vector.ts';
import type { Resources } from '../shared/resources.ts';
import type { VirtualMachine } from '../virtualmachine/types.ts';
import { isParked } from './inputs.ts';
import type { Writable } from '../shared/kube-objects.ts';
import type { Tenant } from '../tenant/types.ts';
import { CapacityView } from './capacity.ts';
import { FlavorCatalog } from './flavors.ts';
import { ArbiterGate } from './gate.ts';
import { ArbitrationLoop } from './loop.ts';
import { ArbitrationMetrics } from './metrics.ts';
import { ServerIndex } from './server-index.ts';
import type { ArbitrationSettings } from './settings.ts';
import { RULE_NAMES, TransferLog } from './transfers.ts';
import { kubeGrantWriter } from './writer.ts';

export interface ArbitrationDeps {
    cloud: Pick<Cloud, 'nova' | 'placement'>;
    kubeConfig: KubeConfig;
    clock: Clock;
    log: Logger;
    registry: Registry;
    events: { record(regarding: KubeObject, input: EventInput): Promise<void> };
    settings: ArbitrationSettings;
    /** Placement aggregates whose hosts are arbitrated; empty: every host. */
    aggregates: readonly string[];
    dryRun: boolean;
    /** Objects this operator serves; absent: all. */
    accepts?: (obj: Writable) => boolean;
    acting: () => boolean;
    signal: () => AbortSignal;
}

/** The controllers whose caches arbitration reads. */
export interface ArbitratedKinds {
    tenants: Controller;
    pools: Controller;
    machines: Controller;
}

/**
 * Capacity arbitration's parts: the server index fed by the bulk observation, the growth gate the
 * pools ask, and (once the kinds are registered) the one arbitration loop, triggered by any change
 * of a Tenant, a pool or a machine.
 */
export class Arbitration {
    readonly servers = new ServerIndex();
    readonly gate: ArbiterGate;
    private readonly deps: ArbitrationDeps;
    private readonly flavors: FlavorCatalog;
    private readonly transfers: TransferLog;
    private readonly metrics: ArbitrationMetrics;
    private loop: ArbitrationLoop | undefined;
    private tenantCache: Controller | undefined;
    private machineCache: Controller | undefined;

    constructor(deps: ArbitrationDeps) {
        this.deps = deps;
        const now = () => deps.clock.now();
        this.metrics = new ArbitrationMetrics(deps.registry);
        this.flavors = new FlavorCatalog(deps.cloud.nova, now, deps.settings.flavorRefreshMs);
        this.transfers = new TransferLog((t) => {
            if (t.steps.has('MachinesReady')) {
                const seconds = ((t.finishedMs ?? t.startMs) - t.startMs) / 1000;
                this.metrics.reallocationSeconds.observe({ rule: RULE_NAMES[t.rule] }, seconds);
            }
        });
        this.gate = new ArbiterGate({
            placement: deps.cloud.placement,
            tenant: (name) => this.tenantCache?.list().find((t) => t.metadata?.name === name),
            flavorResources: (ref) => this.flavors.resources(ref),
            now,
            freshMs: deps.settings.candidatesFreshMs,
            passed: (pool, step) => {
                this.transfers.passed(pool, step, now());
            },
            unplaced: () => this.unplaced(),
        });
    }

    /** Starts the loop over the registered kinds; returns a function that stops it. */
    start(kinds: ArbitratedKinds): () => void {
        const { deps } = this;
        this.tenantCache = kinds.tenants;
        this.machineCache = kinds.machines;
        const served = (lister: Controller) => ({
            list: () => lister.list().filter((obj) => deps.accepts?.(obj) ?? true),
        });
        const loop = new ArbitrationLoop({
            tenants: served(kinds.tenants),
            pools: served(kinds.pools),
            machines: served(kinds.machines),
            servers: this.servers,
            capacity: new CapacityView({
                placement: deps.cloud.placement,
                aggregates: deps.aggregates,
                now: () => deps.clock.now(),
                refreshMs: deps.settings.capacityRefreshMs,
            }),
            flavors: this.flavors,
            writer: kubeGrantWriter(deps.kubeConfig),
            transfers: this.transfers,
            desiredOf: (pool, nowMs) => effectiveDesired((pool as ElasticPool).spec, nowMs),
            settings: deps.settings.stability,
            metrics: this.metrics,
            events: deps.events,
            clock: deps.clock,
            log: deps.log.child({ controller: 'arbiter' }),
            acting: deps.acting,
            signal: deps.signal,
            intervalMs: deps.settings.intervalMs,
            debounceMs: deps.settings.debounceMs,
            dryRun: deps.dryRun,
        });
        const trigger = () => {
            loop.trigger();
        };
        for (const kind of [kinds.tenants, kinds.pools, kinds.machines]) {
            kind.watch({ added: trigger, updated: trigger, deleted: trigger });
        }
        // The Tenant controller applies quota from the arbitration block it does not write itself.
        const ignore = () => undefined;
        kinds.tenants.watch({
            added: ignore,
            deleted: ignore,
            updated: (obj, old) => {
                const next = (obj as Tenant).status?.arbitration;
                if (!isDeepStrictEqual(next, (old as Tenant).status?.arbitration)) {
                    kinds.tenants.enqueue(obj.metadata?.name ?? '', 'urgent');
                }
            },
        });
        // A machine that comes or goes changes its Tenant's usage, and so the quota Nova allows
        // under it: the Tenant looks again, at most once per debounce period.
        const pending = new Set<string>();
        const touchTenant = (obj: KubeObject) => {
            const tenant = (obj as { spec?: { tenant?: string } }).spec?.tenant;
            if (tenant === undefined || pending.has(tenant)) return;
            pending.add(tenant);
            setTimeout(() => {
                pending.delete(tenant);
                kinds.tenants.enqueue(tenant);
            }, deps.settings.tenantRefreshMs).unref();
        };
        kinds.machines.watch({ added: touchTenant, updated: touchTenant, deleted: touchTenant });
        this.loop = loop;
        loop.start();
        return () => {
            loop.stop();
        };
    }

    /**
     * What pool machines take that Placement does not show yet: those without a server, and those
     * whose server the bulk observation has not seen placed (scheduling, unshelving, or not listed
     * yet). Parked and deleting machines are not counted.
     */
    private unplaced(): Resources {
        let held: Resources = ZERO;
        for (const obj of this.machineCache?.list() ?? []) {
            const machine = obj as VirtualMachine;
            if (this.deps.accepts?.(machine) === false) continue;
            if (machine.metadata?.labels?.[POOL_LABEL] === undefined) continue;
            if (machine.metadata.deletionTimestamp !== undefined || isParked(machine)) continue;
            const id = machine.status?.serverID;
            if (id !== undefined && this.servers.placed(id)) continue;
            const size = this.flavors.size(machine.spec.flavor);
            if (size !== undefined) held = add(held, size);
        }
        return held;
    }

    /** Runs the arbiter once now (tests). */
    async runOnce(): Promise<void> {
        await this.loop?.runOnce();
    }
}
