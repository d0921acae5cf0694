import type { ActuatorDeps } from '../shared/deps.ts';
import { waiting, type Outcome } from '../shared/outcome.ts';
import { SecretUnavailableError } from '../shared/secrets.ts';
import type { SecretRef, VirtualMachine } from './types.ts';

/** What a create takes from Secrets. Held only for the create call: never in status, logs or errors. */
export interface SecretInputs {
    /** User data, base64 as Nova takes it. */
    userData?: string;
    /** The SSH public key, inline or from a Secret. */
    publicKey?: string;
}

const USER_DATA_KEY = 'userdata';
const SSH_KEY_KEY = 'ssh-publickey';

/**
 * Reads the machine's user data and SSH key from their Secrets (or the inline key). A Secret that
 * is missing, unlabelled or lacks its key makes the machine wait, naming the Secret, and it goes on
 * by itself once the Secret is there.
 */
export async function readSecretInputs(
    deps: ActuatorDeps,
    vm: VirtualMachine,
): Promise<SecretInputs | Outcome> {
    const inline = vm.spec.sshKey?.publicKey?.trim();
    const inputs: SecretInputs = inline ? { publicKey: inline } : {};
    try {
        const userData = await read(deps, vm, vm.spec.userData?.secretRef, USER_DATA_KEY);
        if (userData !== undefined) inputs.userData = Buffer.from(userData, 'utf8').toString('base64');
        const publicKey = (await read(deps, vm, vm.spec.sshKey?.secretRef, SSH_KEY_KEY))?.trim();
        if (publicKey !== undefined) inputs.publicKey = publicKey;
    } catch (err) {
        if (!(err instanceof SecretUnavailableError)) throw err;
        return waiting('WaitingForDependency', err.message, deps.settings.dependencyRetryMs);
    }
    return inputs;
}

async function read(deps: ActuatorDeps, vm: VirtualMachine, ref: SecretRef | undefined, defaultKey: string) {
    if (ref === undefined) return undefined;
    const namespace = vm.metadata?.namespace ?? '';
    const key = ref.key ?? defaultKey;
    if (deps.secrets === undefined) {
        throw new SecretUnavailableError(`Secret ${namespace}/${ref.name} (key ${key}): no Secret source`);
    }
    return deps.secrets.get(namespace, ref.name, key);
}
