import type { Server } from '../../openstack/nova-views.ts';
import type { Phase, PowerState, VirtualMachine, VirtualMachineStatus } from './types.ts';

/** Nova statuses of a resize under way, awaiting confirmation, or being reverted. */
const RESIZING = new Set(['RESIZE', 'VERIFY_RESIZE', 'REVERT_RESIZE']);

/** Whether the server is in a resize (its status, or a resize task not yet reflected in it). */
export function isResizing(server: Server): boolean {
    return RESIZING.has(server.status) || (server.taskState ?? '').startsWith('resize');
}

/**
 * The phase a Nova status shows; other task states in flight read as Building. A resizing server
 * keeps the phase of its power state (Nova's vm_state, or the spec's once the resize awaits
 * confirmation): a resize is an update, not a build.
 */
export function phaseOf(server: Server, desired: PowerState = 'Running'): Phase {
    if (RESIZING.has(server.status)) {
        if (server.vmState === 'active') return 'Running';
        if (server.vmState === 'stopped') return 'Stopped';
        return desired === 'Stopped' ? 'Stopped' : 'Running';
    }
    switch (server.status) {
        case 'ACTIVE':
            return 'Running';
        case 'SHUTOFF':
            return 'Stopped';
        case 'SHELVED':
        case 'SHELVED_OFFLOADED':
            return 'Shelved';
        case 'ERROR':
            return 'Error';
        default:
            return 'Building';
    }
}

/** Whether the observed server is in the power state the spec asks for (a Shelved one is offloaded). */
export function powerMatches(server: Server, desired: PowerState): boolean {
    if (server.taskState !== undefined) return false;
    if (desired === 'Running') return server.status === 'ACTIVE';
    if (desired === 'Stopped') return server.status === 'SHUTOFF';
    return server.status === 'SHELVED_OFFLOADED';
}

/** Copies what is observed of `server` into status. */
export function observe(status: VirtualMachineStatus, server: Server, desired: PowerState): void {
    status.serverID = server.id;
    status.serverName = server.name;
    status.phase = phaseOf(server, desired);
    status.flavor = server.flavor.originalName;
    status.addresses = server.addresses.map((a) => ({
        network: a.network,
        address: a.addr,
        version: a.version,
    }));
    if (server.fault === undefined) delete status.fault;
    else status.fault = server.fault.message;
}

/** How an adopted server differs from the spec (what converging would change). */
export function differences(vm: VirtualMachine, server: Server, flavorName: string | undefined): string[] {
    const found: string[] = [];
    if (flavorName !== undefined && flavorName !== server.flavor.originalName) {
        found.push(`flavor: server has ${server.flavor.originalName}, spec wants ${flavorName}`);
    }
    const power = vm.spec.powerState ?? 'Running';
    if (!powerMatches(server, power))
        found.push(`powerState: server is ${server.status}, spec wants ${power}`);
    for (const [key, value] of Object.entries(vm.spec.metadata ?? {})) {
        if (server.metadata[key] !== value) found.push(`metadata: ${key} differs`);
    }
    for (const tag of vm.spec.tags ?? []) {
        if (!server.tags.includes(tag)) found.push(`tags: ${tag} missing`);
    }
    return found;
}
