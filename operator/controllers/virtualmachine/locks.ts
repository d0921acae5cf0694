import { ADMIN } from '../../openstack/identity.ts';
import type { Server } from '../../openstack/nova-views.ts';
import type { AuditTrigger } from '../shared/audit.ts';
import type { ActuatorDeps } from '../shared/deps.ts';
import { isOwnLockReason, parkingLockReason } from '../shared/naming.ts';
import type { KindContext } from '../shared/reconciler.ts';
import { compute } from './converge.ts';
import type { VirtualMachineStatus } from './types.ts';

type Ctx = KindContext<VirtualMachineStatus>;

/** Who holds a server's lock: nobody, this installation (its reserved reason), or someone else. */
export type LockHolder = 'none' | 'bascule' | 'other';

export function lockHolder(server: Server, installationId: string): LockHolder {
    if (!server.locked) return 'none';
    return isOwnLockReason(server.lockedReason, installationId) ? 'bascule' : 'other';
}

/** Whether the observed server is parked: offloaded under this installation's lock. */
export function isParked(server: Server, installationId: string): boolean {
    return lockHolder(server, installationId) === 'bascule' && server.status === 'SHELVED_OFFLOADED';
}

/**
 * Locks the server as admin with the parking reason, unless it already carries exactly that
 * reason. The caller has made sure no one else holds the lock: an admin's lock would replace theirs.
 * `server`, the caller's view of this reconcile, reads locked afterwards.
 */
export async function lockForParking(deps: ActuatorDeps, ctx: Ctx, server: Server): Promise<boolean> {
    const reason = parkingLockReason(deps.installationId);
    if (server.locked && server.lockedReason === reason) return false;

    await ctx.mutate('arbiter', compute('POST', '/servers/{id}/action#lock', server.id), () =>
        deps.cloud.nova.lock(ADMIN, server.id, reason, { signal: ctx.signal }),
    );
    deps.metrics.serverMutations.inc({ kind: 'VirtualMachine', operation: 'lock' });
    ctx.event({ type: 'Normal', reason: 'ServerLocked', action: 'Lock', note: 'server locked for parking' });
    server.locked = true;
    server.lockedReason = reason;
    return true;
}

/**
 * Lifts this installation's lock as admin (an admin's lock needs the admin scope to lift); a lock
 * anyone else set is never touched. Every tenant-token action on a server goes after this. True when
 * it acted; `server` then reads unlocked.
 */
export async function unlockOwn(
    deps: ActuatorDeps,
    ctx: Ctx,
    server: Server,
    trigger: AuditTrigger,
): Promise<boolean> {
    if (lockHolder(server, deps.installationId) !== 'bascule') return false;

    await ctx.mutate(trigger, compute('POST', '/servers/{id}/action#unlock', server.id), () =>
        deps.cloud.nova.unlock(ADMIN, server.id, { signal: ctx.signal }),
    );
    deps.metrics.serverMutations.inc({ kind: 'VirtualMachine', operation: 'unlock' });
    ctx.event({
        type: 'Normal',
        reason: 'ServerUnlocked',
        action: 'Unlock',
        note:
            trigger === 'arbiter' ? 'server unlocked: unparked' : 'parking lock lifted to act on the server',
    });
    server.locked = false;
    server.lockedReason = undefined;
    return true;
}
