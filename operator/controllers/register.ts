import type { Logger } from '../runtime/logging.ts';
import type { Manager } from '../runtime/manager.ts';
import { ServerObservation } from './shared/server-observation.ts';
import type { WiringDeps } from './shared/wiring.ts';
import { tenantController } from './tenant/controller.ts';
import { virtualMachineController } from './virtualmachine/controller.ts';

export interface RegisterDeps extends WiringDeps {
    log: Logger;
    /** The bulk server observation's interval (a few seconds in production). */
    pollIntervalMs: number;
}

/** Nova's `updated` has second precision; the cursor steps back this far so no change falls between. */
const CURSOR_MARGIN_MS = 2_000;

/**
 * Adds Bascule's controllers to `manager` (call before it starts) and starts the bulk server
 * observation that requeues machines whose server changed. Returns a function that stops it.
 */
export function registerControllers(manager: Manager, deps: RegisterDeps): () => void {
    manager.add(tenantController(deps));
    const machines = virtualMachineController(deps);
    const controller = manager.add(machines.registration);

    const observation = new ServerObservation({
        nova: deps.cloud.nova,
        intervalMs: deps.pollIntervalMs,
        marginMs: CURSOR_MARGIN_MS,
        log: deps.log.child({ controller: 'server-observation' }),
        signal: () => manager.cloudSignal(),
        onChange: (uid) => {
            const key = machines.actuator.keysByUid.get(uid);
            if (key !== undefined) controller.enqueue(key);
        },
    });
    observation.start();
    return () => {
        observation.stop();
    };
}
