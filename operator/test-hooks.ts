import type { Cloud } from './cloud.ts';
import { OpenStackError } from './openstack/errors.ts';
import { ADMIN } from './openstack/identity.ts';
import { errorFields, type Logger } from './runtime/logging.ts';

/** Env variable that turns the hook on; no deployment sets it. */
export const CLOUD_CALL_ON_LEAD = 'BASCULE_TEST_CLOUD_CALL_ON_LEAD';

/**
 * NOTE: a test-only hook. Process-level tests need a cloud call in flight at the moment the lease is
 * lost, but the operator makes cloud calls only when an object asks for one, and which call a
 * reconciler makes first is theirs to change. So, when CLOUD_CALL_ON_LEAD is set, the leader makes
 * one Nova read (the test holds it in the simulator with a `delay` fault) and logs whether it ended
 * or was aborted. It goes through the same client, and the same leadership signal, as every
 * reconciler call. A periodic leader-only cloud heartbeat would make this hook unnecessary.
 */
export function runTestHooks(cloud: Cloud, log: Logger, env: NodeJS.ProcessEnv): void {
    if (env[CLOUD_CALL_ON_LEAD] !== '1') return;

    log.info('Test cloud call started');
    const call = cloud.client.call({
        service: 'compute',
        operation: 'listFlavors',
        method: 'GET',
        path: '/flavors',
        scope: ADMIN,
        // Longer than any delay a test injects, so only an abort can end it early.
        timeoutMs: 120_000,
    });
    call.then(
        () => {
            log.info('Test cloud call ended');
        },
        (err: unknown) => {
            const message =
                err instanceof OpenStackError ? 'Test cloud call failed' : 'Test cloud call aborted';
            log.info(message, errorFields(err));
        },
    );
}
