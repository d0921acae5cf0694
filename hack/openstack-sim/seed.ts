// Builds the starting cloud from the configuration: identity, hosts, flavors, images, networks, and the background load.
import type { SeedProject, SimConfig } from './config.ts';
import { addProject } from './keystone/projects.ts';
import { placeNow } from './nova/lifecycle.ts';
import type { Host, Server } from './state.ts';
import { World } from './state.ts';

const ROLE_NAMES = ['admin', 'member', 'reader', 'service'];

export function seedWorld(config: SimConfig): World {
    const world = new World(config);
    seedIdentity(world);
    seedHosts(world);
    seedCatalogue(world);
    for (const project of config.projects) {
        seedProject(world, project);
    }
    seedUsers(world);
    return world;
}

function seedIdentity(world: World): void {
    world.domains.set('default', {
        id: 'default',
        name: 'Default',
        description: 'The default domain',
        enabled: true,
    });
    for (const name of ROLE_NAMES) {
        const id = world.random.keystoneId();
        world.roles.set(id, { id, name });
    }

    const admin = addProject({ world }, world.config.adminProject, 'default', {
        description: 'Bootstrap project',
    });
    const userId = world.random.keystoneId();
    world.users.set(userId, {
        id: userId,
        name: world.config.adminUser,
        domainId: 'default',
        password: world.config.adminPassword,
        defaultProjectId: admin.id,
        enabled: true,
    });
    const adminRole = world.roleByName('admin');
    world.assignments.push({ roleId: adminRole?.id ?? '', userId, projectId: admin.id, inherited: false });
    world.assignments.push({ roleId: adminRole?.id ?? '', userId, domainId: 'default', inherited: false });
}

function seedHosts(world: World): void {
    let index = 0;
    for (const group of world.config.hosts) {
        for (let i = 0; i < group.count; i++) {
            index++;
            const host: Host = {
                name: `${group.namePrefix}${String(index).padStart(3, '0')}`,
                uuid: world.random.uuid(),
                capacity: { VCPU: group.vcpus, MEMORY_MB: group.ramMb, DISK_GB: group.diskGb },
                cpuAllocationRatio: group.cpuAllocationRatio,
                used: { VCPU: 0, MEMORY_MB: 0, DISK_GB: 0 },
                aggregates: [...group.aggregates],
                generation: 1,
            };
            world.hosts.push(host);
            world.hostsByUuid.set(host.uuid, host);
        }
    }
}

function seedCatalogue(world: World): void {
    for (const f of world.config.flavors) {
        world.flavors.set(f.id, {
            id: f.id,
            name: f.name,
            vcpus: f.vcpus,
            ram: f.ramMb,
            disk: f.diskGb,
            ephemeral: 0,
            swap: 0,
            isPublic: true,
            description: null,
        });
    }
    for (const name of world.config.images) {
        const id = world.random.uuid();
        world.images.set(id, { id, name, createdAt: Date.now() });
    }
    const adminProject = [...world.projects.values()][0]?.id ?? '';
    for (const name of world.config.networks) {
        const id = world.random.uuid();
        world.networks.set(id, { id, name, projectId: adminProject, shared: true });
    }
}

function seedProject(world: World, seed: SeedProject): void {
    const domain = world.domainByName(seed.domain) ?? world.domains.get('default');
    if (seed.id !== undefined && world.projects.has(seed.id)) {
        throw new Error(`seed project ${seed.name}: the ID ${seed.id} is taken`);
    }
    const project = addProject({ world }, seed.name, domain?.id ?? 'default', { tags: seed.tags }, seed.id);
    Object.assign(world.quotaOf(project.id), seed.quota);
    const servers = seed.servers;
    if (servers === undefined || servers.count === 0) {
        return;
    }

    const flavor = world.flavorByRef(servers.flavor);
    const imageId = [...world.images.keys()][0] ?? '';
    if (flavor === undefined) {
        throw new Error(`seed project ${seed.name}: unknown flavor ${servers.flavor}`);
    }
    const owner = [...world.users.values()][0]?.id ?? '';
    const created = Date.now() - 86_400_000;
    for (let i = 0; i < servers.count; i++) {
        const name = `${servers.namePrefix}-${String(i + 1).padStart(4, '0')}`;
        const server = seededServer(world, project.id, owner, name, flavor, imageId, created, servers.tags);
        if (!placeNow(world, server)) {
            throw new Error(`seed project ${seed.name}: the cloud is full after ${i} servers`);
        }
        world.addServer(server);
        const usage = world.usageOf(project.id);
        usage.instances++;
        usage.cores += flavor.vcpus;
        usage.ram += flavor.ram;
    }
}

function seededServer(
    world: World,
    projectId: string,
    userId: string,
    name: string,
    flavor: Server['flavor'],
    imageId: string,
    created: number,
    tags: string[],
): Server {
    return {
        id: world.random.uuid(),
        seq: ++world.serverSeq,
        name,
        projectId,
        userId,
        flavor,
        oldFlavor: null,
        imageId,
        vmState: 'building',
        taskState: 'scheduling',
        powerState: 0,
        wasStopped: false,
        host: null,
        createdAt: created,
        updatedAt: created,
        launchedAt: null,
        terminatedAt: null,
        metadata: {},
        tags: new Set(tags),
        keyName: null,
        userData: null,
        availabilityZone: 'nova',
        hostname: name,
        description: null,
        locked: false,
        lockedReason: null,
        lockedBy: null,
        fault: null,
        failBuild: null,
        reservationId: `r-${world.random.hex(8)}`,
        ports: [],
        deleted: false,
    };
}

/** Users from the configuration, with grants written "role@project" or "role@domain:Name". */
function seedUsers(world: World): void {
    for (const seed of world.config.users) {
        const id = world.random.keystoneId();
        world.users.set(id, {
            id,
            name: seed.name,
            domainId: 'default',
            password: seed.password,
            defaultProjectId: null,
            enabled: true,
        });
        for (const grant of seed.roles) {
            const [roleName = '', target = ''] = grant.split('@');
            const roleId = world.roleByName(roleName)?.id ?? '';
            if (target.startsWith('domain:')) {
                const domainId = world.domainByName(target.slice(7))?.id;
                world.assignments.push({ roleId, userId: id, domainId, inherited: true });
            } else {
                const projectId = world.projectByName(target, 'default')?.id;
                world.assignments.push({ roleId, userId: id, projectId, inherited: false });
            }
        }
    }
}
