// Starts a fast simulator in-process and talks to it as a client would.
import { defaultConfig, demoHosts, scaleLatencies, type SimConfig } from '../../hack/openstack-sim/config.ts';
import { startSimulator, type Simulator } from '../../hack/openstack-sim/server.ts';

export interface Answer {
    status: number;
    headers: Headers;
    body: unknown;
}

/** A small cloud with millisecond latencies and no background servers unless asked. */
export function testConfig(overrides: Partial<SimConfig> = {}): SimConfig {
    const config = defaultConfig();
    config.port = 0;
    config.latenciesMs = scaleLatencies(config.latenciesMs, 0.01);
    config.hosts = [demoHosts(4)];
    config.projects = [];
    return { ...config, ...overrides };
}

export async function startTestSim(overrides: Partial<SimConfig> = {}): Promise<Simulator> {
    return startSimulator(testConfig(overrides));
}

export async function call(
    sim: Simulator,
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Answer> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...opts.headers };
    if (opts.token !== undefined) {
        headers['X-Auth-Token'] = opts.token;
    }
    const res = await fetch(`${sim.url}${path}`, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.signal,
    });
    const text = await res.text();
    return {
        status: res.status,
        headers: res.headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
}

/** A token for `user` scoped to `project` (by name, in the Default domain). */
export async function token(
    sim: Simulator,
    user = 'admin',
    password = 'admin',
    project = 'admin',
): Promise<string> {
    const body = {
        auth: {
            identity: {
                methods: ['password'],
                password: { user: { name: user, domain: { id: 'default' }, password } },
            },
            scope: { project: { name: project, domain: { id: 'default' } } },
        },
    };
    const answer = await call(sim, 'POST', '/identity/v3/auth/tokens', { body });
    const id = answer.headers.get('x-subject-token');
    if (answer.status !== 201 || id === null) {
        throw new Error(`token for ${user}@${project}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    return id;
}

export const NOVA_290 = { 'OpenStack-API-Version': 'compute 2.90' };

/** Polls a server until `done` holds; the simulator's latencies are milliseconds in tests. */
export async function waitForServer(
    sim: Simulator,
    tok: string,
    id: string,
    done: (server: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
    for (let i = 0; i < 500; i++) {
        const answer = await call(sim, 'GET', `/compute/v2.1/servers/${id}`, {
            token: tok,
            headers: NOVA_290,
        });
        const server = (answer.body as { server: Record<string, unknown> }).server;
        if (done(server)) {
            return server;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`server ${id} never reached the wanted state`);
}

export function get(value: unknown, ...keys: (string | number)[]): unknown {
    let current = value;
    for (const key of keys) {
        current = (current as Record<string | number, unknown> | undefined)?.[key];
    }
    return current;
}

/** A new project with a member user, its quota set by the admin, and a token for that user. */
export async function tenant(
    sim: Simulator,
    admin: string,
    name: string,
    quota: Record<string, number> = {},
): Promise<{ projectId: string; token: string }> {
    const project = await call(sim, 'POST', '/identity/v3/projects', {
        token: admin,
        body: { project: { name } },
    });
    const projectId = get(project.body, 'project', 'id') as string;
    const user = await call(sim, 'POST', '/identity/v3/users', {
        token: admin,
        body: { user: { name: `${name}-user`, password: 'pw' } },
    });
    const userId = get(user.body, 'user', 'id') as string;
    const roles = await call(sim, 'GET', '/identity/v3/roles?name=member', { token: admin });
    const member = get(roles.body, 'roles', 0, 'id') as string;
    await call(sim, 'PUT', `/identity/v3/projects/${projectId}/users/${userId}/roles/${member}`, {
        token: admin,
    });
    if (Object.keys(quota).length > 0) {
        await call(sim, 'PUT', `/compute/v2.1/os-quota-sets/${projectId}`, {
            token: admin,
            body: { quota_set: quota },
        });
    }
    return { projectId, token: await token(sim, `${name}-user`, 'pw', name) };
}

export async function createServer(
    sim: Simulator,
    tok: string,
    name: string,
    extra: Record<string, unknown> = {},
    signal?: AbortSignal,
): Promise<Answer> {
    const image = [...sim.world.images.keys()][0];
    const server = { name, flavorRef: '3', imageRef: image, networks: 'none', ...extra };
    const body = { server };
    return call(sim, 'POST', '/compute/v2.1/servers', { token: tok, body, headers: NOVA_290, signal });
}

/** Adds a fault rule through the simulator's own endpoint. */
export async function addFault(sim: Simulator, rule: unknown): Promise<void> {
    const answer = await call(sim, 'POST', '/_sim/faults', { body: rule });
    if (answer.status !== 201) {
        throw new Error(`fault rule refused: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
}

/** Whether the call failed on the client's side (abort, timeout, reset) rather than with an answer. */
export async function givesUp(request: Promise<unknown>): Promise<boolean> {
    try {
        await request;
        return false;
    } catch {
        return true;
    }
}

/** Polls `probe` until it yields a value other than undefined. */
export async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 500; i++) {
        const value = await probe();
        if (value !== undefined) {
            return value;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('the wanted state never came');
}
