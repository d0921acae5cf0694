import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import yaml from 'js-yaml';

import { isRecord } from './json.ts';

/** Keystone password authentication; user and project domains are kept apart, by name or ID. */
export interface PasswordAuth {
    type: 'password';
    authUrl: string;
    userId?: string | undefined;
    username?: string | undefined;
    userDomainId?: string | undefined;
    userDomainName?: string | undefined;
    password: string;
    projectId?: string | undefined;
    projectName?: string | undefined;
    projectDomainId?: string | undefined;
    projectDomainName?: string | undefined;
}

/** A Keystone application credential, by ID, or by name with its user. */
export interface AppCredentialAuth {
    type: 'v3applicationcredential';
    authUrl: string;
    id?: string | undefined;
    name?: string | undefined;
    secret: string;
    userId?: string | undefined;
    username?: string | undefined;
    userDomainId?: string | undefined;
    userDomainName?: string | undefined;
}

/**
 * One cloud of clouds.yaml, resolved. It holds secrets (password, credential secret): never log it
 * as it is; log `describeCloud()` instead.
 */
export interface CloudConfig {
    name: string;
    /** The clouds.yaml it came from. */
    path: string;
    auth: PasswordAuth | AppCredentialAuth;
    regionName: string | undefined;
    interface: string;
    /** A PEM file of extra trusted CAs. */
    cacert: string | undefined;
    /** TLS verification; off only when the file says `verify: false`. */
    verify: boolean;
}

/** A bad or missing clouds.yaml; the message is one line naming the file, cloud and problem. */
export class CloudConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'CloudConfigError';
    }
}

/** Where to look, as the process sees it; tests pass their own. */
export interface CloudsEnv {
    env: Record<string, string | undefined>;
    cwd: string;
    home: string;
}

export function processCloudsEnv(): CloudsEnv {
    return { env: process.env, cwd: process.cwd(), home: process.env.HOME ?? '/' };
}

/**
 * Loads one cloud as openstacksdk does: the file is `path`, else `OS_CLIENT_CONFIG_FILE`, else the
 * first of ./clouds.yaml, ~/.config/openstack/clouds.yaml and /etc/openstack/clouds.yaml that
 * exists; secure.yaml (same places, or `OS_CLIENT_SECURE_FILE`) is merged over it. The cloud is
 * `cloud`, else `OS_CLOUD`, else the only one in the file. Throws CloudConfigError.
 */
export function loadCloud(
    opts: { path?: string | undefined; cloud?: string | undefined },
    where: CloudsEnv = processCloudsEnv(),
): CloudConfig {
    const explicit = opts.path ?? where.env.OS_CLIENT_CONFIG_FILE;
    const path = findFile(candidates('clouds.yaml', explicit, where));
    if (path === undefined && explicit) throw new CloudConfigError(`${explicit}: no such file`);
    if (path === undefined) throw new CloudConfigError('no clouds.yaml found in the search path');

    const clouds = readClouds(path);
    const name = opts.cloud ?? where.env.OS_CLOUD ?? onlyCloud(path, clouds);
    const entry = clouds[name];
    if (!isRecord(entry)) throw new CloudConfigError(`${path}: no cloud named "${name}"`);

    const securePath = findFile(candidates('secure.yaml', where.env.OS_CLIENT_SECURE_FILE, where));
    const secure = securePath === undefined ? {} : readClouds(securePath)[name];
    const merged = deepMerge(entry, isRecord(secure) ? secure : {});
    return resolveCloud(name, path, merged);
}

function candidates(file: string, explicit: string | undefined, where: CloudsEnv): string[] {
    if (explicit !== undefined && explicit !== '') return [explicit];
    return [join(where.cwd, file), join(where.home, '.config/openstack', file), join('/etc/openstack', file)];
}

function findFile(paths: string[]): string | undefined {
    return paths.find((p) => existsSync(p));
}

function readClouds(path: string): Record<string, unknown> {
    let doc: unknown;
    try {
        doc = yaml.load(readFileSync(path, 'utf8'));
    } catch (err) {
        const reason = err instanceof yaml.YAMLException ? err.reason : 'unreadable';
        throw new CloudConfigError(`${path}: ${reason}`);
    }
    if (!isRecord(doc) || !isRecord(doc.clouds)) throw new CloudConfigError(`${path}: no "clouds" map`);
    return doc.clouds;
}

function onlyCloud(path: string, clouds: Record<string, unknown>): string {
    const names = Object.keys(clouds);
    if (names.length === 1 && names[0] !== undefined) return names[0];
    throw new CloudConfigError(`${path}: several clouds (${names.join(', ')}); choose one with OS_CLOUD`);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
    const out = { ...base };
    for (const [key, value] of Object.entries(over)) {
        const current = out[key];
        out[key] = isRecord(current) && isRecord(value) ? deepMerge(current, value) : value;
    }
    return out;
}

/** Resolves one merged clouds.yaml entry; exported for the table-driven tests. */
export function resolveCloud(name: string, path: string, entry: Record<string, unknown>): CloudConfig {
    const fail = (problem: string) => new CloudConfigError(`${path}: cloud "${name}": ${problem}`);
    const auth = isRecord(entry.auth) ? withDomainFallbacks(entry.auth) : {};
    const type = optString(entry, 'auth_type', fail) ?? 'password';

    const verify = entry.verify ?? true;
    if (typeof verify !== 'boolean') throw fail('verify must be true or false');

    return {
        name,
        path,
        auth: resolveAuth(type, auth, fail),
        regionName: optString(entry, 'region_name', fail),
        interface: (optString(entry, 'interface', fail) ?? 'public').replace(/URL$/, ''),
        cacert: optString(entry, 'cacert', fail),
        verify,
    };
}

type Fail = (problem: string) => CloudConfigError;

function resolveAuth(type: string, auth: Record<string, unknown>, fail: Fail) {
    const authUrl = optString(auth, 'auth_url', fail);
    if (authUrl === undefined) throw fail('auth.auth_url is missing');

    if (type === 'password' || type === 'v3password') return passwordAuth(authUrl, auth, fail);
    if (type === 'v3applicationcredential') return appCredentialAuth(authUrl, auth, fail);
    throw fail(`auth_type "${type}" is not supported (password, v3applicationcredential)`);
}

function passwordAuth(authUrl: string, auth: Record<string, unknown>, fail: Fail): PasswordAuth {
    const read = (key: string) => optString(auth, key, fail);
    const password = read('password');
    if (password === undefined) throw fail('auth.password is missing (in clouds.yaml or secure.yaml)');
    if (read('user_id') === undefined && read('username') === undefined) {
        throw fail('auth.username or auth.user_id is missing');
    }
    if (read('username') !== undefined && read('user_id') === undefined) requireUserDomain(auth, fail);
    if (read('project_name') !== undefined && read('project_id') === undefined) {
        if (read('project_domain_id') === undefined && read('project_domain_name') === undefined) {
            throw fail('auth.project_name needs project_domain_name or project_domain_id');
        }
    }

    return {
        type: 'password',
        authUrl,
        ...userFields(auth, fail),
        password,
        projectId: read('project_id') ?? read('tenant_id'),
        projectName: read('project_name') ?? read('tenant_name'),
        projectDomainId: read('project_domain_id'),
        projectDomainName: read('project_domain_name'),
    };
}

function appCredentialAuth(authUrl: string, auth: Record<string, unknown>, fail: Fail): AppCredentialAuth {
    const read = (key: string) => optString(auth, key, fail);
    const secret = read('application_credential_secret');
    if (secret === undefined) throw fail('auth.application_credential_secret is missing');

    const id = read('application_credential_id');
    const name = read('application_credential_name');
    if (id === undefined && name === undefined) {
        throw fail('auth.application_credential_id or application_credential_name is missing');
    }
    if (id === undefined && read('user_id') === undefined) {
        if (read('username') === undefined) throw fail('a credential by name needs username or user_id');
        requireUserDomain(auth, fail);
    }
    return { type: 'v3applicationcredential', authUrl, id, name, secret, ...userFields(auth, fail) };
}

function userFields(auth: Record<string, unknown>, fail: Fail) {
    return {
        userId: optString(auth, 'user_id', fail),
        username: optString(auth, 'username', fail),
        userDomainId: optString(auth, 'user_domain_id', fail),
        userDomainName: optString(auth, 'user_domain_name', fail),
    };
}

function requireUserDomain(auth: Record<string, unknown>, fail: Fail): void {
    if (auth.user_domain_id === undefined && auth.user_domain_name === undefined) {
        throw fail('auth.username needs user_domain_name or user_domain_id');
    }
}

// openstacksdk's rule: a bare domain_name/domain_id stands in for whichever of the user and project
// domains is not given, so the two stay apart when both are given.
function withDomainFallbacks(auth: Record<string, unknown>): Record<string, unknown> {
    const out = { ...auth };
    for (const kind of ['id', 'name']) {
        const fallback = out[`domain_${kind}`];
        if (fallback === undefined) continue;
        for (const prefix of ['user', 'project']) {
            const hasOwn =
                out[`${prefix}_domain_id`] !== undefined || out[`${prefix}_domain_name`] !== undefined;
            if (!hasOwn) out[`${prefix}_domain_${kind}`] = fallback;
        }
    }
    return out;
}

function optString(record: Record<string, unknown>, key: string, fail: Fail): string | undefined {
    const value = record[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string') throw fail(`${key} must be a string`);
    return value;
}

/** The cloud without its secrets, for logs. */
export function describeCloud(cloud: CloudConfig): Record<string, unknown> {
    const { type, authUrl } = cloud.auth;
    return { cloud: cloud.name, path: cloud.path, authType: type, authUrl, region: cloud.regionName };
}
