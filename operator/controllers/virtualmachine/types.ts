import type { Writable } from '../shared/kube-objects.ts';
import type { CommonStatus } from '../shared/reconciler.ts';

export type PowerState = 'Running' | 'Stopped' | 'Shelved';
export type Phase =
    'Pending' | 'Building' | 'Running' | 'Stopped' | 'Shelved' | 'Error' | 'Deleting' | 'Lost';

/** A reference by name or ID (the schema requires one of them). */
export interface NameOrId {
    name?: string;
    id?: string;
}

/** A Secret in the machine's namespace; the key's default depends on what it holds. */
export interface SecretRef {
    name: string;
    key?: string;
}

export interface VirtualMachineSpec {
    tenant: string;
    flavor: NameOrId;
    image: NameOrId;
    networks?: NameOrId[];
    sshKey?: { publicKey?: string; secretRef?: SecretRef };
    userData?: { secretRef: SecretRef };
    metadata?: Record<string, string>;
    tags?: string[];
    availabilityZone?: string;
    powerState?: PowerState;
    deletionPolicy?: 'Delete' | 'Orphan';
    recovery?: { onError?: 'Recreate' | 'Report'; onLost?: 'Recreate' | 'Report' };
    adopt?: { serverID: string; converge?: boolean };
    /** Written by the owning pool when arbitration parks the machine (powerState is then Shelved). */
    parked?: boolean;
}

export interface VirtualMachineStatus extends CommonStatus {
    serverID?: string;
    createAttempt?: { startedAt: string; serverName: string };
    phase?: Phase;
    origin?: 'Created' | 'Adopted';
    deletionPolicy?: 'Delete' | 'Orphan';
    serverName?: string;
    flavor?: string;
    flavorID?: string;
    imageID?: string;
    networkIDs?: string[];
    addresses?: { network: string; address: string; version: number }[];
    fault?: string;
    /** True while the server is offloaded under this installation's parking lock. */
    parked?: boolean;
    differences?: string[];
    /** The spec's tags as last applied to the server; one dropped from the spec is removed from it. */
    appliedTags?: string[];
    /** The spec's metadata keys as last applied to the server; one dropped from the spec is removed. */
    appliedMetadataKeys?: string[];
}

export type VirtualMachine = Writable & { spec: VirtualMachineSpec; status?: VirtualMachineStatus };

export const VIRTUAL_MACHINES = { group: 'bascule.io', version: 'v1alpha1', plural: 'virtualmachines' };
export const VM_FINALIZER = 'bascule.io/virtualmachine';
