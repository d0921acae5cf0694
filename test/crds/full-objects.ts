// One object per kind (two for VirtualMachine, whose create and adopt inputs
// exclude each other) with every optional field set to a valid value: the
// schema walk varies one field of these at a time.
import type { Obj } from '../support/cluster.ts';
import { apiVersion, window } from './objects.ts';

const vector = { instances: 10, cores: 20, ram: '40Gi' };

export const fullTenant: Obj = {
    apiVersion,
    kind: 'Tenant',
    metadata: { name: 'full' },
    spec: {
        displayName: 'Full',
        description: 'Every field set',
        domain: 'Default',
        guarantee: vector,
        borrowingLimit: vector,
        lendingLimit: vector,
        maxPriority: 5,
        mayPreemptGuarantees: false,
        namespaces: ['team-a'],
        adopt: { projectID: 'abc123' },
        deletionPolicy: 'Orphan',
    },
};

/** A template or standalone machine's spec: every create-time field set. */
export const fullMachineSpec = {
    flavor: { name: 'm1.medium' },
    image: { name: 'debian-12' },
    networks: [{ name: 'net' }],
    sshKey: { publicKey: 'ssh-ed25519 AAAAC3Nza ops@host' },
    userData: { secretRef: { name: 'init', key: 'userdata' } },
    metadata: { owner: 'ops' },
    tags: ['web'],
    availabilityZone: 'az1',
    powerState: 'Running',
    deletionPolicy: 'Delete',
    recovery: { onError: 'Report', onLost: 'Report' },
};

export const fullVirtualMachine: Obj = {
    apiVersion,
    kind: 'VirtualMachine',
    metadata: { name: 'full', namespace: 'full' },
    spec: { tenant: 'elections', ...fullMachineSpec },
};

export const fullAdoptedVirtualMachine: Obj = {
    apiVersion,
    kind: 'VirtualMachine',
    metadata: { name: 'adopted', namespace: 'full' },
    spec: {
        tenant: 'elections',
        flavor: { id: '3' },
        image: { id: 'b3c1' },
        adopt: { serverID: '3f2b8c1e-7d4a-4e6b-9a1c-5e8f0d2b7c49', converge: true },
        parked: false,
    },
};

export const fullElasticPool: Obj = {
    apiVersion,
    kind: 'ElasticPool',
    metadata: { name: 'full', namespace: 'full' },
    spec: {
        tenant: 'elections',
        replicas: 3,
        minReplicas: 0,
        maxReplicas: 10,
        priority: 5,
        releaseAction: 'Shelve',
        schedule: [
            window('2027-05-02T06:00:00+02:00', '2027-05-03T06:00:00+02:00', {
                name: 'election-day',
                leadTime: '30m',
                minReplicas: 0,
                maxReplicas: 8,
            }),
        ],
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
            metadata: { labels: { app: 'web' }, annotations: { note: 'full' } },
            spec: { ...fullMachineSpec, recovery: { onError: 'Recreate', onLost: 'Recreate' } },
        },
    },
};
