import { objectKey } from '../runtime/kube-object.ts';
import type { Logger } from '../runtime/logging.ts';
import type { Manager } from '../runtime/manager.ts';
import { elasticPoolController, grantChanged, poolKeyOf } from './elasticpool/controller.ts';
import { OPEN_GATE, type CapacityGate } from './elasticpool/gate.ts';
import type { ArbitrationSettings } from './arbitration/settings.ts';
import { Arbitration } from './arbitration/wire.ts';
import { kubeObjectClient } from './shared/kube-objects.ts';
import { OrphanReport } from './shared/orphan-report.ts';
import { ServerObservation } from './shared/server-observation.ts';
import type { WiringDeps } from './shared/wiring.ts';
import { ServerSweep } from './sweep/sweep.ts';
import { PolicyReport } from './shared/policy-report.ts';
import { tenantController } from './tenant/controller.ts';
import { virtualMachineController } from './virtualmachine/controller.ts';
import { VIRTUAL_MACHINES } from './virtualmachine/types.ts';

export interface RegisterDeps extends WiringDeps {
    log: Logger;
    /** The bulk server observation's interval (a few seconds in production). */
    pollIntervalMs: number;
    /** What ElasticPools ask before they grow (ARBITER.md's order of effects); absent: admits all. */
    gate?: CapacityGate;
    /** Capacity arbitration; absent, no pool is granted anything (tests set grants themselves). */
    arbitration?: {
        settings: ArbitrationSettings;
        /** Placement aggregates whose hosts are arbitrated; empty: every host. */
        aggregates: readonly string[];
        dryRun: boolean;
    };
}

/** Nova's `updated` has second precision; the cursor steps back this far so no change falls between. */
const CURSOR_MARGIN_MS = 2_000;

/**
 * Adds Bascule's controllers to `manager` (call before it starts), and starts the bulk server
 * observation that requeues machines whose server changed and the sweep of this installation's
 * servers (duplicates, orphans, re-adoption). Returns a function that stops both.
 */
export function registerControllers(manager: Manager, deps: RegisterDeps): () => void {
    const report = new OrphanReport();
    // Set before the manager starts; the report calls it only from reconciles, after the start.
    let enqueueTenant: (name: string) => void = () => undefined;
    const policy = new PolicyReport((name) => {
        enqueueTenant(name);
    });
    const tenants = tenantController(deps, report, policy);
    const tenantQueue = manager.add(tenants.registration);
    enqueueTenant = (name) => {
        tenantQueue.enqueue(name);
    };
    const machines = virtualMachineController(deps, tenantQueue, policy);
    const controller = manager.add(machines.registration);
    const arbitration =
        deps.arbitration === undefined
            ? undefined
            : new Arbitration({
                  ...deps.arbitration,
                  cloud: deps.cloud,
                  kubeConfig: deps.kubeConfig,
                  clock: deps.clock,
                  log: deps.log,
                  registry: manager.metrics.registry,
                  events: deps.events,
                  ...(deps.accepts ? { accepts: deps.accepts } : {}),
                  acting: () => manager.acting(),
                  signal: () => manager.cloudSignal(),
              });
    const gate = deps.gate ?? arbitration?.gate ?? OPEN_GATE;
    const pools = manager.add(elasticPoolController(deps, gate).registration);
    deps.metrics.countObjects('Tenant', () => tenantQueue.list());
    deps.metrics.countObjects('VirtualMachine', () => controller.list());
    deps.metrics.countObjects('ElasticPool', () => pools.list());
    // A pool follows its children, and the arbiter's grant (a status write, which queues nothing itself).
    const enqueuePool = (child: Parameters<typeof poolKeyOf>[0]) => {
        const key = poolKeyOf(child);
        if (key !== undefined) pools.enqueue(key);
    };
    controller.watch({ added: enqueuePool, updated: enqueuePool, deleted: enqueuePool });
    pools.watch({
        added: () => undefined,
        updated: (now, before) => {
            if (grantChanged(now, before)) pools.enqueue(objectKey(now));
        },
        deleted: () => undefined,
    });

    const observation = new ServerObservation({
        nova: deps.cloud.nova,
        intervalMs: deps.pollIntervalMs,
        marginMs: CURSOR_MARGIN_MS,
        log: deps.log.child({ controller: 'server-observation' }),
        signal: () => manager.cloudSignal(),
        ...(arbitration
            ? {
                  onServers: (servers, complete) => {
                      arbitration.servers.update(servers, complete);
                  },
              }
            : {}),
        onChange: (uid, server) => {
            const key = machines.actuator.owners.keyOf(uid);
            if (key !== undefined) controller.enqueue(key);
            sweep.observed(uid, server);
        },
    });
    const sweep = new ServerSweep({
        ...deps,
        log: deps.log.child({ controller: 'server-sweep' }),
        machines: kubeObjectClient(deps.kubeConfig, VIRTUAL_MACHINES),
        report,
        knownOwner: (uid) => machines.actuator.owners.keyOf(uid),
        tenantOf: (projectId) => tenants.actuator.byProject.get(projectId),
        offer: (uid, serverId) => machines.actuator.offers.set(uid, serverId),
        enqueueMachine: (key) => {
            controller.enqueue(key);
        },
        enqueueTenant: (name) => {
            tenantQueue.enqueue(name);
        },
        acting: () => manager.acting(),
        signal: () => manager.cloudSignal(),
    });
    observation.start();
    sweep.start();
    const stopArbitration = arbitration?.start({ tenants: tenantQueue, pools, machines: controller });
    return () => {
        observation.stop();
        sweep.stop();
        stopArbitration?.();
    };
}
