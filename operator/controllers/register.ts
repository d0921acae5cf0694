import type { Logger } from '../runtime/logging.ts';
import type { Manager } from '../runtime/manager.ts';
import { kubeObjectClient } from './shared/kube-objects.ts';
import { OrphanReport } from './shared/orphan-report.ts';
import { ServerObservation } from './shared/server-observation.ts';
import type { WiringDeps } from './shared/wiring.ts';
import { ServerSweep } from './sweep/sweep.ts';
import { tenantController } from './tenant/controller.ts';
import { virtualMachineController } from './virtualmachine/controller.ts';
import { VIRTUAL_MACHINES } from './virtualmachine/types.ts';

export interface RegisterDeps extends WiringDeps {
    log: Logger;
    /** The bulk server observation's interval (a few seconds in production). */
    pollIntervalMs: number;
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
    const tenants = tenantController(deps, report);
    const tenantQueue = manager.add(tenants.registration);
    const machines = virtualMachineController(deps);
    const controller = manager.add(machines.registration);

    const observation = new ServerObservation({
        nova: deps.cloud.nova,
        intervalMs: deps.pollIntervalMs,
        marginMs: CURSOR_MARGIN_MS,
        log: deps.log.child({ controller: 'server-observation' }),
        signal: () => manager.cloudSignal(),
        onChange: (uid) => {
            const key = machines.actuator.owners.keyOf(uid);
            if (key !== undefined) controller.enqueue(key);
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
    return () => {
        observation.stop();
        sweep.stop();
    };
}
