// The simulator's options: defaults for the demo cloud, a YAML file, and command-line flags on top.
import { readFileSync } from 'node:fs';

import yaml from 'js-yaml';

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

/** The YAML file's keys mirror SimConfig; what it leaves out keeps its default. */
export function loadConfigFile(path: string, base: SimConfig): SimConfig {
    const parsed = yaml.load(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) {
        throw new Error(`${path}: expected a mapping`);
    }
    const file = parsed as Partial<SimConfig>;
    return { ...base, ...file, latenciesMs: { ...base.latenciesMs, ...file.latenciesMs } };
}

const USAGE = `usage: main.ts [--config FILE] [--host ADDR] [--port N] [--public-url URL] [--seed N]
  [--hosts N] [--background-servers N] [--quota-counting default|placement] [--latency-scale F]
  [--clouds-yaml PATH] [--admin-password PW] [--max-microversion 2.N]`;

/** Flags win over the file, which wins over the defaults. */
export function parseArgs(argv: string[]): SimConfig {
    const flags = new Map<string, string>();
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i] ?? '';
        const value = argv[i + 1];
        if (!arg.startsWith('--') || value === undefined) {
            throw new Error(USAGE);
        }
        flags.set(arg.slice(2), value);
        i++;
    }

    const file = flags.get('config');
    const config = file === undefined ? defaultConfig() : loadConfigFile(file, defaultConfig());
    applyFlags(config, flags);
    return config;
}

function applyFlags(config: SimConfig, flags: Map<string, string>): void {
    for (const [name, value] of flags) {
        switch (name) {
            case 'config':
                break;
            case 'host':
                config.host = value;
                break;
            case 'port':
                config.port = Number(value);
                break;
            case 'public-url':
                config.publicUrl = value;
                break;
            case 'seed':
                config.seed = Number(value);
                break;
            case 'hosts':
                config.hosts = [demoHosts(Number(value))];
                break;
            case 'background-servers':
                setBackgroundServers(config, Number(value));
                break;
            case 'quota-counting':
                config.quotaCounting = value === 'placement' ? 'placement' : 'default';
                break;
            case 'latency-scale':
                config.latenciesMs = scaleLatencies(config.latenciesMs, Number(value));
                break;
            case 'clouds-yaml':
                config.cloudsYamlPath = value;
                break;
            case 'admin-password':
                config.adminPassword = value;
                break;
            case 'max-microversion':
                config.maxMicroversion = value;
                break;
            default:
                throw new Error(`unknown flag --${name}\n${USAGE}`);
        }
    }
}

function setBackgroundServers(config: SimConfig, count: number): void {
    for (const project of config.projects) {
        if (project.servers !== undefined) {
            project.servers.count = count;
        }
    }
}

export function scaleLatencies(latencies: LatenciesMs, factor: number): LatenciesMs {
    const scaled = { ...latencies };
    for (const key of Object.keys(scaled) as (keyof LatenciesMs)[]) {
        scaled[key] = Math.round(scaled[key] * factor);
    }
    return scaled;
}
