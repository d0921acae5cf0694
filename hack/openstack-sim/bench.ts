// `make bench-sim`: the simulator at the cloud's scale. Prints how long a full paginated listing of
// 12,000 servers and 1,000 creates sent 50 at a time take, so the simulator is never what a Bascule
// benchmark measures. The simulator runs as a child process; the figures include the client's own parsing.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import yaml from 'js-yaml';

import { defaultConfig, demoHosts, scaleLatencies, type SeedProject, type SimConfig } from './config.ts';

const HOSTS = 300;
const PROJECTS = 50;
const SERVERS = 12_000;
const CREATES = 1_000;
const CONCURRENCY = 50;

const HEADERS = { 'OpenStack-API-Version': 'compute 2.90' };

function get(url: string, path: string, token: string): Promise<Response> {
    return fetch(`${url}${path}`, { headers: { ...HEADERS, 'X-Auth-Token': token } });
}

async function post(url: string, path: string, token: string, body: unknown): Promise<Response> {
    return fetch(`${url}${path}`, {
        method: 'POST',
        headers: {
            'Content-Type': 'application/json',
            'X-Auth-Token': token,
            'OpenStack-API-Version': 'compute 2.90',
        },
        body: JSON.stringify(body),
    });
}

async function benchToken(url: string, project: string): Promise<string> {
    const auth = {
        identity: {
            methods: ['password'],
            password: { user: { name: 'bench', domain: { id: 'default' }, password: 'bench' } },
        },
        scope: { project: { name: project, domain: { id: 'default' } } },
    };
    const res = await post(url, '/identity/v3/auth/tokens', '', { auth });
    await res.text();
    return res.headers.get('x-subject-token') ?? '';
}

/** Follows servers_links through every page of the all-projects detail listing. */
async function listAll(url: string, token: string): Promise<{ count: number; pages: number }> {
    let next: string | undefined = `${url}/compute/v2.1/servers/detail?all_tenants=1&limit=1000`;
    let count = 0;
    let pages = 0;
    while (next !== undefined) {
        const res = await fetch(next, {
            headers: { 'X-Auth-Token': token, 'OpenStack-API-Version': 'compute 2.90' },
        });
        const body = (await res.json()) as { servers: unknown[]; servers_links?: { href: string }[] };
        count += body.servers.length;
        pages++;
        next = body.servers_links?.[0]?.href;
    }
    return { count, pages };
}

async function createMany(url: string, token: string, imageId: string): Promise<number> {
    let accepted = 0;
    for (let batch = 0; batch < CREATES / CONCURRENCY; batch++) {
        const requests = Array.from({ length: CONCURRENCY }, (_, i) => {
            const server = {
                name: `bench-${batch}-${i}`,
                flavorRef: '3',
                imageRef: imageId,
                networks: 'none',
                tags: [`bascule-uid-${batch}-${i}`],
            };
            return post(url, '/compute/v2.1/servers', token, { server }).then(async (res) => {
                await res.text();
                return res.status;
            });
        });
        accepted += (await Promise.all(requests)).filter((status) => status === 202).length;
    }
    return accepted;
}

async function main(): Promise<void> {
    const config = defaultConfig();
    config.port = 0;
    config.hosts = [demoHosts(HOSTS)];
    config.latenciesMs = scaleLatencies(config.latenciesMs, 0.1);
    config.cloudsYamlPath = join(tmpdir(), 'bascule-sim-bench-clouds.yaml');
    config.users = [{ name: 'bench', password: 'bench', roles: ['admin@admin', 'member@tenant-0'] }];
    const perProject = SERVERS / PROJECTS;
    config.projects = Array.from({ length: PROJECTS }, (_, i): SeedProject => ({
        name: `tenant-${i}`,
        domain: 'Default',
        tags: [],
        quota: { instances: 10_000, cores: 100_000, ram: 100_000_000 },
        servers: { count: perProject, flavor: 'm1.small', namePrefix: `t${i}`, tags: [] },
    }));

    let started = performance.now();
    const sim = await startChild(config);
    console.log(`seeded ${SERVERS} servers on ${HOSTS} hosts in ${PROJECTS} projects: ${ms(started)}`);

    try {
        const token = await benchToken(sim.url, 'admin');
        started = performance.now();
        const listing = await listAll(sim.url, token);
        console.log(
            `full paginated listing: ${listing.count} servers in ${listing.pages} pages: ${ms(started)} (target < 1 s)`,
        );

        const tenantToken = await benchToken(sim.url, 'tenant-0');
        const images = (await (await get(sim.url, '/image/v2/images', tenantToken)).json()) as {
            images: { id: string }[];
        };
        started = performance.now();
        const accepted = await createMany(sim.url, tenantToken, images.images[0]?.id ?? '');
        console.log(
            `${CREATES} creates, ${CONCURRENCY} at a time: ${accepted} accepted in ${ms(started)} (target < 5 s)`,
        );

        started = performance.now();
        const again = await listAll(sim.url, token);
        console.log(`full paginated listing: ${again.count} servers in ${again.pages} pages: ${ms(started)}`);
    } finally {
        sim.child.kill('SIGTERM');
    }
}

/** The simulator runs in its own process, as with `make sim`, so the client does not share its CPU. */
async function startChild(config: SimConfig): Promise<{ url: string; child: ChildProcess }> {
    const file = join(tmpdir(), 'bascule-sim-bench.yaml');
    writeFileSync(file, yaml.dump(config));
    const main = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');
    const child = spawn(process.execPath, [main, '--config', file], { stdio: ['ignore', 'pipe', 'inherit'] });

    const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            const match = /listening on (\S+)/.exec(out);
            if (match?.[1] !== undefined) {
                resolve(match[1]);
            }
        });
        child.on('exit', (code) => {
            reject(new Error(`simulator exited with ${String(code)}`));
        });
    });
    return { url, child };
}

function ms(since: number): string {
    return `${Math.round(performance.now() - since)} ms`;
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
