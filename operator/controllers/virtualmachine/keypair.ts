import { createHash } from 'node:crypto';

import type { ActuatorDeps } from '../shared/deps.ts';
import type { KindContext } from '../shared/reconciler.ts';
import { compute } from './converge.ts';
import type { VirtualMachine, VirtualMachineStatus } from './types.ts';

/**
 * The Nova key pair for the machine's public key (inline or from its Secret), registered once per
 * tenant and key under Bascule's own user (key pairs belong to users, not projects), named from the
 * tenant and the key's fingerprint. Undefined when the machine has no key.
 *
 * NOTE: raising Bascule's own key-pair quota as admin is not done yet; a cloud whose per-user limit
 * is reached refuses the import, and the machine retries with backoff.
 */
export async function ensureKeypair(
    deps: ActuatorDeps,
    vm: VirtualMachine,
    ctx: KindContext<VirtualMachineStatus>,
    publicKey: string | undefined,
): Promise<string | undefined> {
    if (publicKey === undefined || publicKey === '') return undefined;

    const body = publicKey.split(/\s+/)[1] ?? publicKey;
    const fingerprint = createHash('sha256').update(body).digest('hex').slice(0, 16);
    const name = `bascule-${vm.spec.tenant}-${fingerprint}`;
    const { nova } = deps.cloud;
    if (await nova.hasKeypair(name, { signal: ctx.signal })) return name;

    await ctx.mutate('spec', compute('POST', '/os-keypairs', name), () =>
        nova.importKeypair(name, publicKey, { signal: ctx.signal }),
    );
    return name;
}
