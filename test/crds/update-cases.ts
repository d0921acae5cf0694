// Update cases: immutable fields are refused, including an optional field being
// added or removed; the fields that may change are accepted.
import { uniqueName, type Obj } from '../support/cluster.ts';
import { elasticPool, tenant, virtualMachine } from './objects.ts';

const ns = uniqueName('immutable');

export interface Update {
    name: string;
    before: (name: string) => Obj;
    change: Record<string, unknown>;
    /** Spec fields to remove in the update. */
    remove?: string[];
    field?: string;
    message?: RegExp;
}

const key = '3f2b8c1e-7d4a-4e6b-9a1c-5e8f0d2b7c49';

export const refused: Update[] = [
    {
        name: "a Tenant's domain",
        before: (n) => tenant(n),
        change: { domain: 'Other' },
        field: 'spec.domain',
        message: /domain is immutable/,
    },
    {
        name: 'adoption added to a Tenant',
        before: (n) => tenant(n),
        change: { adopt: { projectID: 'abc' } },
        field: 'spec',
        message: /adopt cannot be added or removed/,
    },
    {
        name: "an adopted Tenant's project ID",
        before: (n) => tenant(n, { adopt: { projectID: 'abc' } }),
        change: { adopt: { projectID: 'def' } },
        field: 'spec.adopt.projectID',
        message: /adopt.projectID is immutable/,
    },
    {
        name: "a machine's tenant",
        before: (n) => virtualMachine(ns, n),
        change: { tenant: 'alerts' },
        field: 'spec.tenant',
        message: /tenant is immutable/,
    },
    {
        name: "a machine's image",
        before: (n) => virtualMachine(ns, n),
        change: { image: { name: 'debian-13' } },
        field: 'spec.image',
        message: /image is immutable/,
    },
    {
        name: "a machine's networks",
        before: (n) => virtualMachine(ns, n, { networks: [{ name: 'a' }] }),
        change: { networks: [{ name: 'b' }] },
        field: 'spec.networks',
        message: /networks are immutable/,
    },
    {
        name: 'networks added to a machine',
        before: (n) => virtualMachine(ns, n),
        change: { networks: [{ name: 'a' }] },
        field: 'spec',
        message: /networks are immutable \(they cannot be added or removed\)/,
    },
    {
        name: "a machine's availability zone",
        before: (n) => virtualMachine(ns, n, { availabilityZone: 'az1' }),
        change: { availabilityZone: 'az2' },
        field: 'spec.availabilityZone',
        message: /availabilityZone is immutable/,
    },
    {
        name: 'an availability zone removed from a machine',
        before: (n) => virtualMachine(ns, n, { availabilityZone: 'az1' }),
        change: {},
        remove: ['availabilityZone'],
        field: 'spec',
        message: /availabilityZone is immutable \(it cannot be added or removed\)/,
    },
    {
        name: "a machine's SSH key",
        before: (n) => virtualMachine(ns, n, { sshKey: { publicKey: 'ssh-ed25519 AAAA a' } }),
        change: { sshKey: { publicKey: 'ssh-ed25519 BBBB b' } },
        field: 'spec.sshKey',
        message: /sshKey is immutable/,
    },
    {
        name: 'an SSH key removed from a machine',
        before: (n) => virtualMachine(ns, n, { sshKey: { publicKey: 'ssh-ed25519 AAAA a' } }),
        change: {},
        remove: ['sshKey'],
        field: 'spec',
        message: /sshKey is immutable/,
    },
    {
        name: 'user data added to a machine',
        before: (n) => virtualMachine(ns, n),
        change: { userData: { secretRef: { name: 'init' } } },
        field: 'spec',
        message: /userData is immutable/,
    },
    {
        name: "a machine's user data Secret",
        before: (n) => virtualMachine(ns, n, { userData: { secretRef: { name: 'init' } } }),
        change: { userData: { secretRef: { name: 'other' } } },
        field: 'spec.userData',
        message: /userData is immutable/,
    },
    {
        name: 'adoption added to a machine',
        before: (n) => virtualMachine(ns, n),
        change: { adopt: { serverID: key } },
        field: 'spec',
        message: /adopt cannot be added or removed/,
    },
    {
        name: "an adopted machine's server ID",
        before: (n) => virtualMachine(ns, n, { adopt: { serverID: key } }),
        change: { adopt: { serverID: key.replace('3f', '4f') } },
        field: 'spec.adopt.serverID',
        message: /adopt.serverID is immutable/,
    },
    {
        name: "a pool's tenant",
        before: (n) => elasticPool(ns, n),
        change: { tenant: 'alerts' },
        field: 'spec.tenant',
        message: /tenant is immutable/,
    },
];

export const allowed: Update[] = [
    { name: "a Tenant's guarantee", before: (n) => tenant(n), change: { guarantee: { instances: 99 } } },
    {
        name: "a machine's flavor (a resize)",
        before: (n) => virtualMachine(ns, n),
        change: { flavor: { name: 'm1.large' } },
    },
    {
        name: "a machine's power state",
        before: (n) => virtualMachine(ns, n),
        change: { powerState: 'Stopped' },
    },
    {
        name: "a machine's metadata and tags",
        before: (n) => virtualMachine(ns, n),
        change: { metadata: { owner: 'ops' }, tags: ['web'] },
    },
    {
        name: "an adopted machine's converge switch",
        before: (n) => virtualMachine(ns, n, { adopt: { serverID: key } }),
        change: { adopt: { serverID: key, converge: true } },
    },
    {
        name: "a pool template's image (rolled out by the update strategy)",
        before: (n) => elasticPool(ns, n),
        change: {
            template: {
                spec: {
                    flavor: { name: 'm1.medium' },
                    image: { name: 'debian-13' },
                    networks: [{ name: 'a' }],
                },
            },
        },
    },
];
