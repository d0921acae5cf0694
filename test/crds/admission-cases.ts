// Hand-written admission cases for the CEL rules and the constraints that need
// meaning (what a window is, what a quantity is): one value rejected, naming the
// field, and the boundary accepted. rule-coverage.test.ts checks every rule has one.
import { uniqueName, type Obj } from '../support/cluster.ts';
import { elasticPool, machineSpec, tenant, virtualMachine, window } from './objects.ts';

const ns = uniqueName('crdtest');
const longName = (n: number) => 'a'.repeat(n);
const tags = (n: number) => Array.from({ length: n }, (_, i) => `tag-${i}`);
const windows = (n: number) =>
    Array.from({ length: n }, (_, i) =>
        window(
            `2027-01-${String(i + 1).padStart(2, '0')}T00:00:00Z`,
            `2027-01-${String(i + 1).padStart(2, '0')}T12:00:00Z`,
        ),
    );

export interface Rejection {
    name: string;
    object: () => Obj;
    field: string;
    message: RegExp;
}

export const rejected: Rejection[] = [
    // Tenant
    {
        name: 'a Tenant name longer than a Keystone project name',
        object: () => tenant(`t${longName(64)}`),
        field: 'metadata.name',
        message: /at most 64 characters/,
    },
    {
        name: 'a negative instance guarantee',
        object: () => tenant('t', { guarantee: { instances: -1 } }),
        field: 'spec.guarantee.instances',
        message: /greater than or equal to 0/,
    },
    {
        name: 'fractional cores',
        object: () => tenant('t', { guarantee: { cores: 1.5 } }),
        field: 'spec.guarantee.cores',
        message: /integer/,
    },
    {
        name: 'an "unlimited" RAM guarantee',
        object: () => tenant('t', { guarantee: { ram: 'unlimited' } }),
        field: 'spec.guarantee.ram',
        message: /there is no "unlimited"/,
    },
    {
        name: 'a negative RAM guarantee',
        object: () => tenant('t', { guarantee: { ram: '-1' } }),
        field: 'spec.guarantee.ram',
        message: /whole number of MiB/,
    },
    {
        name: 'RAM that is not a whole number of MiB',
        object: () => tenant('t', { guarantee: { ram: '1536Ki' } }),
        field: 'spec.guarantee.ram',
        message: /whole number of MiB/,
    },
    {
        name: 'RAM above the largest Nova quota',
        object: () => tenant('t', { guarantee: { ram: '2048Ti' } }),
        field: 'spec.guarantee.ram',
        message: /at most 2147483647Mi/,
    },
    {
        name: 'a negative borrowing limit',
        object: () => tenant('t', { borrowingLimit: { cores: -2 } }),
        field: 'spec.borrowingLimit.cores',
        message: /greater than or equal to 0/,
    },
    {
        name: 'RAM in bytes, even a whole number of MiB of them',
        object: () => tenant('t', { guarantee: { ram: '1048576' } }),
        field: 'spec.guarantee.ram',
        message: /written with Mi, Gi or Ti/,
    },
    {
        name: 'a lending limit in decimal units',
        object: () => tenant('t', { lendingLimit: { ram: '1G' } }),
        field: 'spec.lendingLimit.ram',
        message: /whole number of MiB/,
    },
    {
        name: 'a negative maxPriority',
        object: () => tenant('t', { maxPriority: -1 }),
        field: 'spec.maxPriority',
        message: /greater than or equal to 0/,
    },
    {
        name: 'a namespace that is not a DNS label',
        object: () => tenant('t', { namespaces: ['Not_A_Namespace'] }),
        field: 'spec.namespaces[0]',
        message: /should match/,
    },
    {
        name: 'a namespace listed twice',
        object: () => tenant('t', { namespaces: ['a', 'a'] }),
        field: 'spec.namespaces[1]',
        message: /Duplicate value/,
    },
    {
        name: 'an empty domain',
        object: () => tenant('t', { domain: '' }),
        field: 'spec.domain',
        message: /at least 1 chars long/,
    },
    {
        name: 'an adopted project ID with a slash',
        object: () => tenant('t', { adopt: { projectID: 'a/b' } }),
        field: 'spec.adopt.projectID',
        message: /should match/,
    },
    {
        name: 'an unknown deletion policy',
        object: () => tenant('t', { deletionPolicy: 'Keep' }),
        field: 'spec.deletionPolicy',
        message: /Unsupported value: "Keep"/,
    },
    // VirtualMachine
    {
        name: 'a machine without a tenant',
        object: () => ({ ...virtualMachine(ns, 'vm'), spec: machineSpec() }),
        field: 'spec.tenant',
        message: /Required value/,
    },
    {
        name: 'a flavor by both name and ID',
        object: () => virtualMachine(ns, 'vm', { flavor: { name: 'm1.medium', id: '3' } }),
        field: 'spec.flavor',
        message: /set exactly one of name or id/,
    },
    {
        name: 'a flavor by neither name nor ID',
        object: () => virtualMachine(ns, 'vm', { flavor: {} }),
        field: 'spec.flavor',
        message: /set exactly one of name or id/,
    },
    {
        name: 'an image by both name and ID',
        object: () => virtualMachine(ns, 'vm', { image: { name: 'debian-12', id: 'abc' } }),
        field: 'spec.image',
        message: /set exactly one of name or id/,
    },
    {
        name: 'a network by both name and ID',
        object: () => virtualMachine(ns, 'vm', { networks: [{ name: 'net', id: 'abc' }] }),
        field: 'spec.networks[0]',
        message: /set exactly one of name or id/,
    },
    {
        name: 'too many networks',
        object: () => virtualMachine(ns, 'vm', { networks: tags(17).map((name) => ({ name })) }),
        field: 'spec.networks',
        message: /must have at most 16 items/,
    },
    {
        name: 'an SSH key both inline and from a Secret',
        object: () =>
            virtualMachine(ns, 'vm', {
                sshKey: { publicKey: 'ssh-ed25519 AAAA x', secretRef: { name: 's' } },
            }),
        field: 'spec.sshKey',
        message: /set exactly one of publicKey or secretRef/,
    },
    {
        name: 'an SSH public key that is not in OpenSSH format',
        object: () => virtualMachine(ns, 'vm', { sshKey: { publicKey: 'hello' } }),
        field: 'spec.sshKey.publicKey',
        message: /should match/,
    },
    {
        name: 'user data without a Secret',
        object: () => virtualMachine(ns, 'vm', { userData: {} }),
        field: 'spec.userData.secretRef',
        message: /Required value/,
    },
    {
        name: "metadata under Bascule's reserved prefix",
        object: () => virtualMachine(ns, 'vm', { metadata: { 'Bascule-owner': 'me' } }),
        field: 'spec.metadata',
        message: /reserved for Bascule/,
    },
    {
        name: 'a metadata value longer than Nova accepts',
        object: () => virtualMachine(ns, 'vm', { metadata: { owner: longName(256) } }),
        field: 'spec.metadata.owner',
        message: /may not be more than 255 bytes/,
    },
    {
        name: 'a metadata key longer than Nova accepts',
        object: () => virtualMachine(ns, 'vm', { metadata: { [longName(256)]: 'x' } }),
        field: 'spec.metadata',
        message: /metadata keys must be 1 to 255 characters/,
    },
    {
        name: 'adoption together with an SSH key',
        object: () =>
            virtualMachine(ns, 'vm', {
                adopt: { serverID: '3f2b8c1e-7d4a-4e6b-9a1c-5e8f0d2b7c49' },
                sshKey: { publicKey: 'ssh-ed25519 AAAA x' },
            }),
        field: 'spec',
        message: /leave them out when adopt is set/,
    },
    {
        name: "a tag under Bascule's reserved prefix",
        object: () => virtualMachine(ns, 'vm', { tags: ['bascule-uid-1234'] }),
        field: 'spec.tags[0]',
        message: /reserved for Bascule/,
    },
    {
        name: 'a tag with a slash',
        object: () => virtualMachine(ns, 'vm', { tags: ['a/b'] }),
        field: 'spec.tags[0]',
        message: /cannot contain a slash or a comma/,
    },
    {
        name: 'a tag longer than Nova accepts',
        object: () => virtualMachine(ns, 'vm', { tags: [longName(61)] }),
        field: 'spec.tags[0]',
        message: /may not be more than 60 bytes/,
    },
    {
        name: 'too many tags',
        object: () => virtualMachine(ns, 'vm', { tags: tags(41) }),
        field: 'spec.tags',
        message: /must have at most 40 items/,
    },
    {
        name: 'an unknown power state',
        object: () => virtualMachine(ns, 'vm', { powerState: 'Paused' }),
        field: 'spec.powerState',
        message: /Unsupported value: "Paused"/,
    },
    {
        name: 'an unknown recovery policy',
        object: () => virtualMachine(ns, 'vm', { recovery: { onError: 'Retry' } }),
        field: 'spec.recovery.onError',
        message: /Unsupported value: "Retry"/,
    },
    {
        name: 'adoption together with user data',
        object: () =>
            virtualMachine(ns, 'vm', {
                adopt: { serverID: '3f2b8c1e-7d4a-4e6b-9a1c-5e8f0d2b7c49' },
                userData: { secretRef: { name: 's' } },
            }),
        field: 'spec',
        message: /leave them out when adopt is set/,
    },
    {
        name: 'an adopted server ID that is not a UUID',
        object: () => virtualMachine(ns, 'vm', { adopt: { serverID: 'abc' } }),
        field: 'spec.adopt.serverID',
        message: /should match/,
    },
    {
        name: 'a parked machine that is not shelved',
        object: () => virtualMachine(ns, 'vm', { parked: true }),
        field: 'spec',
        message: /a parked machine has powerState Shelved/,
    },
    // ElasticPool
    {
        name: 'a pool name too long to name and label its machines',
        object: () => elasticPool(ns, longName(58)),
        field: 'metadata.name',
        message: /at most 57 characters/,
    },
    {
        name: 'a floor above the ceiling',
        object: () => elasticPool(ns, 'p', { minReplicas: 5, maxReplicas: 3 }),
        field: 'spec.minReplicas',
        message: /minReplicas must not exceed maxReplicas/,
    },
    {
        name: 'a pool without maxReplicas',
        object: () => {
            const pool = elasticPool(ns, 'p');
            delete pool.spec?.maxReplicas;
            return pool;
        },
        field: 'spec.maxReplicas',
        message: /Required value/,
    },
    {
        name: 'negative replicas',
        object: () => elasticPool(ns, 'p', { replicas: -1 }),
        field: 'spec.replicas',
        message: /greater than or equal to 0/,
    },
    {
        name: 'a template with a tenant',
        object: () => elasticPool(ns, 'p', { template: { spec: machineSpec({ tenant: 'alerts' }) } }),
        field: 'spec.template.spec',
        message: /a pool template has no tenant/,
    },
    {
        name: "a template tag under Bascule's reserved prefix",
        object: () => elasticPool(ns, 'p', { template: { spec: machineSpec({ tags: ['BASCULE-x'] }) } }),
        field: 'spec.template.spec.tags[0]',
        message: /reserved for Bascule/,
    },
    {
        name: 'an unknown release action',
        object: () => elasticPool(ns, 'p', { releaseAction: 'Park' }),
        field: 'spec.releaseAction',
        message: /Unsupported value: "Park"/,
    },
    {
        name: 'a window that ends before it starts',
        object: () =>
            elasticPool(ns, 'p', {
                schedule: [window('2027-05-02T06:00:00+02:00', '2027-05-01T06:00:00+02:00')],
            }),
        field: 'spec.schedule[0]',
        message: /end must be after its start/,
    },
    {
        name: 'a window start without an offset',
        object: () =>
            elasticPool(ns, 'p', { schedule: [window('2027-05-02T06:00:00', '2027-05-03T06:00:00Z')] }),
        field: 'spec.schedule[0].start',
        message: /should match|date-time/,
    },
    {
        name: 'a window end that is not a date',
        object: () =>
            elasticPool(ns, 'p', { schedule: [window('2027-05-02T06:00:00Z', '2027-13-45T06:00:00Z')] }),
        field: 'spec.schedule[0].end',
        message: /date-time/,
    },
    {
        name: 'overlapping windows',
        object: () =>
            elasticPool(ns, 'p', {
                schedule: [
                    window('2027-05-02T06:00:00+02:00', '2027-05-03T06:00:00+02:00'),
                    window('2027-05-03T03:00:00Z', '2027-05-04T00:00:00Z'),
                ],
            }),
        field: 'spec.schedule',
        message: /schedule windows must not overlap/,
    },
    {
        name: 'the same window twice',
        object: () =>
            elasticPool(ns, 'p', {
                schedule: [
                    window('2027-05-02T06:00:00Z', '2027-05-03T06:00:00Z'),
                    window('2027-05-02T06:00:00Z', '2027-05-03T06:00:00Z'),
                ],
            }),
        field: 'spec.schedule',
        message: /schedule windows must not overlap/,
    },
    {
        name: 'more windows than the bounded list holds',
        object: () => elasticPool(ns, 'p', { schedule: windows(17) }),
        field: 'spec.schedule',
        message: /must have at most 16 items/,
    },
    {
        name: 'a window that changes nothing',
        object: () =>
            elasticPool(ns, 'p', {
                schedule: [{ start: '2027-05-02T06:00:00Z', end: '2027-05-03T06:00:00Z' }],
            }),
        field: 'spec.schedule[0]',
        message: /sets at least one of replicas, minReplicas and maxReplicas/,
    },
    {
        name: 'a window whose floor is above its ceiling',
        object: () =>
            elasticPool(ns, 'p', {
                schedule: [
                    window('2027-05-02T06:00:00Z', '2027-05-03T06:00:00Z', {
                        minReplicas: 9,
                        maxReplicas: 2,
                    }),
                ],
            }),
        field: 'spec.schedule[0]',
        message: /minReplicas must not exceed its maxReplicas/,
    },
    {
        name: 'a lead time that is not a duration',
        object: () =>
            elasticPool(ns, 'p', {
                schedule: [window('2027-05-02T06:00:00Z', '2027-05-03T06:00:00Z', { leadTime: 'soon' })],
            }),
        field: 'spec.schedule[0].leadTime',
        message: /should match/,
    },
    {
        name: 'rolling-update limits with OnDelete',
        object: () =>
            elasticPool(ns, 'p', { updateStrategy: { type: 'OnDelete', rollingUpdate: { maxSurge: 2 } } }),
        field: 'spec.updateStrategy',
        message: /rollingUpdate is set only when type is RollingUpdate/,
    },
    {
        name: 'a rolling update that can make no progress',
        object: () =>
            elasticPool(ns, 'p', {
                updateStrategy: {
                    type: 'RollingUpdate',
                    rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' },
                },
            }),
        field: 'spec.updateStrategy.rollingUpdate',
        message: /cannot both be zero/,
    },
    {
        name: 'a surge that is neither a number nor a percentage',
        object: () =>
            elasticPool(ns, 'p', {
                updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 'lots' } },
            }),
        field: 'spec.updateStrategy.rollingUpdate.maxSurge',
        message: /non-negative number or a percentage/,
    },
];

export const accepted: { name: string; object: () => Obj }[] = [
    { name: 'a Tenant name of exactly 64 characters', object: () => tenant(longName(64)) },
    {
        name: 'a zero guarantee',
        object: () => tenant('t', { guarantee: { instances: 0, cores: 0, ram: '0' } }),
    },
    { name: 'RAM of exactly one MiB', object: () => tenant('t', { guarantee: { ram: '1Mi' } }) },
    {
        name: 'RAM in TiB',
        object: () => tenant('t', { guarantee: { ram: '4Ti' } }),
    },
    { name: 'the largest RAM quota', object: () => tenant('t', { guarantee: { ram: '2147483647Mi' } }) },
    {
        name: 'the largest instance quota',
        object: () => tenant('t', { guarantee: { instances: 2147483647 } }),
    },
    {
        name: 'a namespace of 63 characters',
        object: () => tenant('t', { namespaces: [longName(63)] }),
    },
    { name: 'a flavor by ID', object: () => virtualMachine(ns, 'vm', { flavor: { id: '3' } }) },
    {
        name: 'networks by name and by ID',
        object: () => virtualMachine(ns, 'vm', { networks: [{ name: 'a' }, { id: 'b' }] }),
    },
    { name: 'no networks at all', object: () => virtualMachine(ns, 'vm', { networks: [] }) },
    {
        name: 'an ed25519 key with a comment',
        object: () => virtualMachine(ns, 'vm', { sshKey: { publicKey: 'ssh-ed25519 AAAAC3Nza ops@host' } }),
    },
    {
        name: 'a metadata key of 255 characters',
        object: () => virtualMachine(ns, 'vm', { metadata: { [longName(255)]: 'x' } }),
    },
    { name: 'a tag of 60 characters', object: () => virtualMachine(ns, 'vm', { tags: [longName(60)] }) },
    { name: '40 tags', object: () => virtualMachine(ns, 'vm', { tags: tags(40) }) },
    {
        name: 'metadata that merely mentions bascule',
        object: () => virtualMachine(ns, 'vm', { metadata: { 'my-bascule-app': 'x' } }),
    },
    {
        name: 'a parked shelved machine',
        object: () => virtualMachine(ns, 'vm', { parked: true, powerState: 'Shelved' }),
    },
    {
        name: 'an adopted server without create-time inputs',
        object: () =>
            virtualMachine(ns, 'vm', { adopt: { serverID: '3F2B8C1E-7D4A-4E6B-9A1C-5E8F0D2B7C49' } }),
    },
    {
        name: 'a floor equal to the ceiling',
        object: () => elasticPool(ns, 'p', { minReplicas: 4, maxReplicas: 4 }),
    },
    {
        name: 'replicas above maxReplicas (clamped by the operator, not rejected)',
        object: () => elasticPool(ns, 'p', { replicas: 50, maxReplicas: 10 }),
    },
    {
        name: 'replicas below minReplicas (clamped by the operator, not rejected)',
        object: () => elasticPool(ns, 'p', { replicas: 0, minReplicas: 2, maxReplicas: 10 }),
    },
    {
        name: 'adjacent windows',
        object: () =>
            elasticPool(ns, 'p', {
                schedule: [
                    window('2027-05-02T06:00:00+02:00', '2027-05-03T06:00:00+02:00'),
                    window('2027-05-03T04:00:00Z', '2027-05-04T00:00:00Z', { leadTime: '1h30m' }),
                ],
            }),
    },
    { name: 'sixteen windows', object: () => elasticPool(ns, 'p', { schedule: windows(16) }) },
    {
        name: 'a percentage surge',
        object: () =>
            elasticPool(ns, 'p', {
                updateStrategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
            }),
    },
    {
        name: 'OnDelete updates',
        object: () => elasticPool(ns, 'p', { updateStrategy: { type: 'OnDelete' } }),
    },
];
