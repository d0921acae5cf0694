// The simulated cloud's records and the indexes that keep it fast at 12,000 servers.
import type { QuotaCounting, SimConfig } from './config.ts';
import { Random } from './random.ts';

export interface Domain {
    id: string;
    name: string;
    description: string;
    enabled: boolean;
}

export interface Project {
    id: string;
    name: string;
    domainId: string;
    description: string;
    enabled: boolean;
    tags: string[];
}

export interface User {
    id: string;
    name: string;
    domainId: string;
    password: string;
    defaultProjectId: string | null;
    enabled: boolean;
}

export interface Role {
    id: string;
    name: string;
}

export interface Assignment {
    roleId: string;
    userId: string;
    projectId?: string;
    domainId?: string;
    /** Granted on a domain and inherited by its projects (OS-INHERIT). */
    inherited: boolean;
}

export interface AppCredential {
    id: string;
    name: string;
    secret: string;
    userId: string;
    projectId: string;
    roleIds: string[];
}

export interface Token {
    id: string;
    userId: string;
    methods: string[];
    projectId?: string;
    domainId?: string;
    roleIds: string[];
    issuedAt: number;
    expiresAt: number;
    auditId: string;
    appCredentialId?: string;
}

export interface Flavor {
    id: string;
    name: string;
    vcpus: number;
    ram: number;
    disk: number;
    ephemeral: number;
    swap: number;
    isPublic: boolean;
    description: string | null;
}

export interface Image {
    id: string;
    name: string;
    createdAt: number;
}

export interface Network {
    id: string;
    name: string;
    projectId: string;
    shared: boolean;
}

export interface Port {
    id: string;
    networkId: string;
    projectId: string;
    deviceId: string;
    mac: string;
    ip: string;
}

export interface Resources {
    VCPU: number;
    MEMORY_MB: number;
    DISK_GB: number;
}

export interface Host {
    name: string;
    uuid: string;
    capacity: Resources;
    cpuAllocationRatio: number;
    used: Resources;
    aggregates: string[];
    generation: number;
}

export interface Allocation {
    consumerId: string;
    hostUuid: string;
    resources: Resources;
    projectId: string;
    userId: string;
    generation: number;
}

export interface Fault {
    code: number;
    message: string;
    created: number;
}

export interface Server {
    id: string;
    seq: number;
    name: string;
    projectId: string;
    userId: string;
    flavor: Flavor;
    /** The flavor a resize left, kept until it is confirmed or reverted. */
    oldFlavor: Flavor | null;
    imageId: string;
    vmState: string;
    taskState: string | null;
    powerState: number;
    /** Resume a stopped server after a resize is confirmed or reverted. */
    wasStopped: boolean;
    host: string | null;
    createdAt: number;
    updatedAt: number;
    launchedAt: number | null;
    terminatedAt: number | null;
    metadata: Record<string, string>;
    tags: Set<string>;
    keyName: string | null;
    userData: string | null;
    availabilityZone: string;
    hostname: string;
    description: string | null;
    locked: boolean;
    lockedReason: string | null;
    /** Nova's locked_by: 'owner' or 'admin', by whether the locking token was of the server's project. */
    lockedBy: 'owner' | 'admin' | null;
    fault: Fault | null;
    /** A build failure injected at create: the fault's message ('' for the default one), or null. */
    failBuild: string | null;
    reservationId: string;
    ports: Port[];
    deleted: boolean;
}

export interface NovaQuota {
    instances: number;
    cores: number;
    ram: number;
    key_pairs: number;
    metadata_items: number;
    server_groups: number;
    server_group_members: number;
}

export interface Keypair {
    name: string;
    userId: string;
    publicKey: string;
    fingerprint: string;
    type: string;
    createdAt: number;
}

/** What Nova's database counts for a project: every instance not deleted, whatever its state. */
export interface DbUsage {
    instances: number;
    cores: number;
    ram: number;
}

export class World {
    readonly config: SimConfig;
    readonly random: Random;
    readonly domains = new Map<string, Domain>();
    readonly projects = new Map<string, Project>();
    readonly users = new Map<string, User>();
    readonly roles = new Map<string, Role>();
    assignments: Assignment[] = [];
    readonly appCredentials = new Map<string, AppCredential>();
    readonly tokens = new Map<string, Token>();
    readonly flavors = new Map<string, Flavor>();
    readonly images = new Map<string, Image>();
    readonly networks = new Map<string, Network>();
    readonly ports = new Map<string, Port>();
    readonly hosts: Host[] = [];
    readonly hostsByUuid = new Map<string, Host>();
    readonly allocations = new Map<string, Allocation[]>();
    readonly placementUsage = new Map<string, Resources>();
    readonly servers = new Map<string, Server>();
    /** Every server ever made, deleted ones included, in creation order; Nova lists newest first. */
    readonly serverOrder: Server[] = [];
    readonly serversByProject = new Map<string, Server[]>();
    readonly serversByTag = new Map<string, Set<Server>>();
    readonly dbUsage = new Map<string, DbUsage>();
    readonly novaQuotas = new Map<string, NovaQuota>();
    readonly portQuotas = new Map<string, number>();
    readonly keypairs = new Map<string, Keypair>();
    readonly timers = new Set<NodeJS.Timeout>();
    serverSeq = 0;

    constructor(config: SimConfig) {
        this.config = config;
        this.random = new Random(config.seed);
    }

    get quotaCounting(): QuotaCounting {
        return this.config.quotaCounting;
    }

    /** Runs `fn` after `ms`, unless the simulator stops first. */
    later(ms: number, fn: () => void): void {
        const timer = setTimeout(() => {
            this.timers.delete(timer);
            fn();
        }, ms);
        this.timers.add(timer);
    }

    stopTimers(): void {
        for (const timer of this.timers) {
            clearTimeout(timer);
        }
        this.timers.clear();
    }

    roleByName(name: string): Role | undefined {
        return [...this.roles.values()].find((role) => role.name === name);
    }

    domainByName(name: string): Domain | undefined {
        return [...this.domains.values()].find((domain) => domain.name === name);
    }

    projectByName(name: string, domainId: string): Project | undefined {
        return [...this.projects.values()].find((p) => p.name === name && p.domainId === domainId);
    }

    userByName(name: string, domainId: string): User | undefined {
        return [...this.users.values()].find((u) => u.name === name && u.domainId === domainId);
    }

    flavorByRef(ref: string): Flavor | undefined {
        return this.flavors.get(ref) ?? [...this.flavors.values()].find((f) => f.name === ref);
    }

    usageOf(projectId: string): DbUsage {
        let usage = this.dbUsage.get(projectId);
        if (usage === undefined) {
            usage = { instances: 0, cores: 0, ram: 0 };
            this.dbUsage.set(projectId, usage);
        }
        return usage;
    }

    placementUsageOf(projectId: string): Resources {
        let usage = this.placementUsage.get(projectId);
        if (usage === undefined) {
            usage = { VCPU: 0, MEMORY_MB: 0, DISK_GB: 0 };
            this.placementUsage.set(projectId, usage);
        }
        return usage;
    }

    quotaOf(projectId: string): NovaQuota {
        let quota = this.novaQuotas.get(projectId);
        if (quota === undefined) {
            quota = defaultNovaQuota();
            this.novaQuotas.set(projectId, quota);
        }
        return quota;
    }

    addServer(server: Server): void {
        this.servers.set(server.id, server);
        this.serverOrder.push(server);

        let list = this.serversByProject.get(server.projectId);
        if (list === undefined) {
            list = [];
            this.serversByProject.set(server.projectId, list);
        }
        list.push(server);

        for (const tag of server.tags) {
            this.indexTag(server, tag);
        }
    }

    indexTag(server: Server, tag: string): void {
        let set = this.serversByTag.get(tag);
        if (set === undefined) {
            set = new Set();
            this.serversByTag.set(tag, set);
        }
        set.add(server);
    }

    unindexTag(server: Server, tag: string): void {
        this.serversByTag.get(tag)?.delete(server);
    }

    touch(server: Server): void {
        server.updatedAt = Date.now();
    }
}

/** Nova's defaults from nova.conf's [quota] section. */
export function defaultNovaQuota(): NovaQuota {
    return {
        instances: 10,
        cores: 20,
        ram: 51200,
        key_pairs: 100,
        metadata_items: 128,
        server_groups: 10,
        server_group_members: 10,
    };
}

/** Neutron's default port quota. */
export const DEFAULT_PORT_QUOTA = 500;

export function flavorResources(flavor: Flavor): Resources {
    return { VCPU: flavor.vcpus, MEMORY_MB: flavor.ram, DISK_GB: flavor.disk + flavor.ephemeral };
}
