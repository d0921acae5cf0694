import { ADMIN, type Scope } from '../../openstack/identity.ts';
import type { Server } from '../../openstack/nova-views.ts';
import type { ActuatorDeps } from '../shared/deps.ts';
import { progressing, ready, type Outcome } from '../shared/outcome.ts';
import type { KindContext } from '../shared/reconciler.ts';
import { powerStep, type Converger } from './converge.ts';
import { lockForParking } from './locks.ts';
import type { VirtualMachine, VirtualMachineStatus } from './types.ts';

type Ctx = KindContext<VirtualMachineStatus>;

/**
 * Parks a settled server as its pool asks (`spec.parked`): lock, shelve and offload, all as admin
 * (ARBITER.md's named exception); parked once SHELVED_OFFLOADED under this installation's lock. What
 * needs the tenant's token comes first — confirming a resize (a server awaiting one cannot be
 * shelved), Bascule's tags and metadata — and lifts the lock itself when one is there. A resize to a
 * new flavor waits until the machine is unparked. The caller has made sure no one else holds a lock.
 */
export async function park(
    deps: ActuatorDeps,
    converger: Converger,
    vm: VirtualMachine,
    ctx: Ctx,
    scope: Scope,
    server: Server,
): Promise<Outcome> {
    const wait = deps.settings.buildCheckMs;
    if (await converger.confirmResize(ctx, scope, server)) {
        return progressing('Resizing', 'confirming a resize before parking', wait);
    }
    await converger.tags(vm, ctx, scope, server);
    await converger.metadata(vm, ctx, scope, server);

    await lockForParking(deps, ctx, server);
    const step = powerStep(server.status, 'Shelved');
    if (step !== undefined) {
        await converger.action(ctx, ADMIN, server, step, 'arbiter');
        return progressing('Progressing', `parking: ${step === 'shelve' ? 'shelving' : 'offloading'}`, wait);
    }
    if (server.status !== 'SHELVED_OFFLOADED') {
        return progressing('Progressing', `parking: waiting for server ${server.status}`, wait);
    }
    ctx.status.parked = true;
    return ready('server parked');
}
