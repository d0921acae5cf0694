// The simulator's options: defaults for the demo cloud, a YAML file, and command-line flags on top.
import type { FaultRule } from './faults.ts';

export interface HostGroup {
    count: number;
    namePrefix: string;
    /** Capacity after allocation ratios, as the scheduler sees it. */
    vcpus: number;
    ramMb: number;
    diskGb: number;
    cpuAllocationRatio: number;
    aggregates: string[];
}

export interface FlavorSpec {
    id: string;
    name: string;
    vcpus: number;
    ramMb: number;
    diskGb: number;
}

export interface SeedServers {
    count: number;
    flavor: string;
    namePrefix: string;
    tags: string[];
}

export interface SeedProject {
    /** A fixed Keystone ID (32 hex digits), for demos that must name the project; random when absent. */
    id?: string;
    name: string;
    domain: string;
    tags: string[];
    quota: Partial<Record<'instances' | 'cores' | 'ram', number>>;
    servers?: SeedServers;
}

export interface SeedUser {
    name: string;
    password: string;
    /** Role grants as "role@project" or "role@domain:Name". */
    roles: string[];
}

export interface LatenciesMs {
    boot: number;
    power: number;
    shelveSnapshot: number;
    offload: number;
    resize: number;
    delete: number;
}

export type QuotaCounting = 'default' | 'placement';

export interface SimConfig {
    host: string;
    port: number;
    /** The address clients use to reach us, for the catalog and links; derived from host and port when empty. */
    publicUrl: string;
    region: string;
    cloudName: string;
    cloudsYamlPath: string;
    seed: number;
    adminUser: string;
    adminPassword: string;
    adminProject: string;
    tokenTtlSeconds: number;
    maxMicroversion: string;
    quotaCounting: QuotaCounting;
    /** Nova's shelved_offload_time = 0: offload right after the snapshot. */
    offloadAfterShelve: boolean;
    latenciesMs: LatenciesMs;
    hosts: HostGroup[];
    flavors: FlavorSpec[];
    images: string[];
    networks: string[];
    projects: SeedProject[];
    users: SeedUser[];
    faults: FaultRule[];
}

/** The demo's background project; config/samples/demo/tenants.yaml names it by this ID. */
export const BACKGROUND_PROJECT_ID = '5f1e0c3a9d7b4e2f8a6c1b3d5e7f9a0b';

export function defaultConfig(): SimConfig {
    return {
        host: '127.0.0.1',
        port: 8774,
        publicUrl: '',
        region: 'RegionOne',
        cloudName: 'bascule-sim',
        cloudsYamlPath: '.local/clouds.yaml',
        seed: 1,
        adminUser: 'admin',
        adminPassword: 'admin',
        adminProject: 'admin',
        tokenTtlSeconds: 3600,
        maxMicroversion: '2.96',
        quotaCounting: 'default',
        offloadAfterShelve: true,
        latenciesMs: {
            boot: 1000,
            power: 300,
            shelveSnapshot: 2000,
            offload: 500,
            resize: 1500,
            delete: 300,
        },
        hosts: [demoHosts(60)],
        flavors: [
            { id: '1', name: 'm1.tiny', vcpus: 1, ramMb: 512, diskGb: 1 },
            { id: '2', name: 'm1.small', vcpus: 1, ramMb: 2048, diskGb: 20 },
            { id: '3', name: 'm1.medium', vcpus: 2, ramMb: 4096, diskGb: 20 },
            { id: '4', name: 'm1.large', vcpus: 4, ramMb: 8192, diskGb: 40 },
            { id: '5', name: 'm1.xlarge', vcpus: 8, ramMb: 16384, diskGb: 80 },
        ],
        images: ['debian-12', 'cirros-0.6.2'],
        networks: ['public', 'private'],
        projects: [
            {
                id: BACKGROUND_PROJECT_ID,
                name: 'background',
                domain: 'Default',
                tags: [],
                quota: { instances: 1000, cores: 2000, ram: 4096000 },
                servers: { count: 1000, flavor: 'm1.medium', namePrefix: 'legacy', tags: [] },
            },
        ],
        users: [],
        faults: [],
    };
}

/** ARBITER.md's demo cloud: hosts of 80 vCPU and 160 GiB after allocation ratios. */
export function demoHosts(count: number): HostGroup {
    return {
        count,
        namePrefix: 'compute-',
        vcpus: 80,
        ramMb: 160 * 1024,
        diskGb: 4000,
        cpuAllocationRatio: 4,
        aggregates: [],
    };
}

export function scaleLatencies(latencies: LatenciesMs, factor: number): LatenciesMs {
    const scaled = { ...latencies };
    for (const key of Object.keys(scaled) as (keyof LatenciesMs)[]) {
        scaled[key] = Math.round(scaled[key] * factor);
    }
    return scaled;
}
