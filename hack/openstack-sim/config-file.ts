// The YAML configuration file: SimConfig's keys, each list entry completed with the defaults it leaves out.
import { readFileSync } from 'node:fs';

import yaml from 'js-yaml';

import {
    demoHosts,
    type FlavorSpec,
    type HostGroup,
    type SeedProject,
    type SeedServers,
    type SimConfig,
} from './config.ts';

/** What the file leaves out keeps its default; a list in the file replaces the default list. */
export function loadConfigFile(path: string, base: SimConfig): SimConfig {
    const parsed = yaml.load(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new Error(`${path}: expected a mapping`);
    }
    const file = parsed as Partial<SimConfig>;
    const config: SimConfig = {
        ...base,
        ...file,
        latenciesMs: { ...base.latenciesMs, ...file.latenciesMs },
        hosts: (file.hosts ?? base.hosts).map(completeHostGroup),
        flavors: (file.flavors ?? base.flavors).map((f, i) => completeFlavor(path, f, i)),
        projects: (file.projects ?? base.projects).map((p, i) => completeProject(path, p, i)),
    };
    // The file is untyped: a YAML value may be anything until checked.
    const counting: unknown = config.quotaCounting;
    if (counting !== 'default' && counting !== 'placement') {
        throw new Error(`${path}: quotaCounting must be default or placement`);
    }
    return config;
}

function completeHostGroup(given: Partial<HostGroup>): HostGroup {
    return { ...demoHosts(1), ...given };
}

function completeFlavor(path: string, given: Partial<FlavorSpec>, index: number): FlavorSpec {
    if (given.id === undefined || given.name === undefined) {
        throw new Error(`${path}: flavors[${index}] needs an id and a name`);
    }
    // YAML reads an ID such as 1 as a number; Nova's flavor IDs are strings.
    const id: unknown = given.id;
    return { vcpus: 1, ramMb: 512, diskGb: 1, ...given, id: String(id), name: given.name };
}

function completeProject(path: string, given: Partial<SeedProject>, index: number): SeedProject {
    if (given.name === undefined) {
        throw new Error(`${path}: projects[${index}] needs a name`);
    }
    const id: unknown = given.id;
    if (id !== undefined && (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id))) {
        throw new Error(`${path}: projects[${index}].id must be 32 lower-case hex digits, as Keystone's`);
    }
    const project: SeedProject = { domain: 'Default', tags: [], quota: {}, ...given, name: given.name };
    if (given.servers !== undefined) {
        project.servers = completeServers(given.name, given.servers);
    }
    return project;
}

function completeServers(projectName: string, given: Partial<SeedServers>): SeedServers {
    return { count: 0, flavor: 'm1.small', namePrefix: projectName, tags: [], ...given };
}
