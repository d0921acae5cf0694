import type { CloudCall, CloudClient } from './cloud-client.ts';
import { isKind, OpenStackError } from './errors.ts';
import { ADMIN } from './identity.ts';
import { arr, isRecord, str } from './json.ts';
import { negotiateNova } from './microversion.ts';

/** One permission the operator needs, and the cheapest read that proves it. */
interface Probe {
    permission: string;
    call: (projectId: string, nova: Record<string, string>) => Omit<CloudCall, 'scope' | 'method' | 'signal'>;
}

const PROBES: Probe[] = [
    {
        permission: 'identity:list_projects',
        call: () => get('identity', 'listProjects', '/projects?limit=1'),
    },
    {
        permission: 'identity:list_role_assignments',
        call: () => get('identity', 'listRoleAssignments', '/role_assignments?role.name=none'),
    },
    {
        permission: 'os_compute_api:servers:detail:get_all_tenants',
        call: (_, nova) => ({
            ...get('compute', 'listServers', '/servers/detail?all_tenants=1&limit=1'),
            headers: nova,
        }),
    },
    {
        permission: 'os_compute_api:os-quota-sets:detail',
        call: (p, nova) => ({ ...get('compute', 'getQuota', `/os-quota-sets/${p}/detail`), headers: nova }),
    },
    {
        permission: 'placement:resource_providers:list',
        call: () => get('placement', 'listResourceProviders', '/resource_providers'),
    },
    {
        permission: 'neutron:get_quota',
        call: (p) => get('network', 'getPortQuota', `/v2.0/quotas/${p}/details.json`),
    },
];

// Nova's resources as Keystone registers them for unified limits.
const NOVA_LIMIT_NAMES = /^(servers|class:VCPU|class:MEMORY_MB|server_key_pairs)$/;

function get(service: CloudCall['service'], operation: string, path: string) {
    return { service, operation, path };
}

/**
 * What the start-up self-check found. `missing` names each missing permission: the operator can run
 * without them (the calls that need them fail as PolicyForbidden and retry slowly, as a role may be
 * granted late). `fatal` lines mean the cloud cannot be served at all: refuse to start.
 */
export interface CloudCheck {
    /** Policy names, such as `identity:list_projects`. */
    missing: string[];
    fatal: string[];
    /** The negotiated Nova microversion, when Nova is new enough. */
    microversion: string | undefined;
}

/**
 * The start-up self-check. It names each missing permission, refuses a Nova below 2.73 and a Nova
 * that counts quota with Keystone unified limits. Transport failures are thrown, not reported: the
 * cloud was not reached.
 */
export async function checkCloud(client: CloudClient, signal?: AbortSignal): Promise<CloudCheck> {
    const session = await client.identity.session(ADMIN, signal);
    const projectId = session.projectId ?? '';
    const missing: string[] = [];
    const fatal: string[] = [];

    // First, so the probes speak a microversion this Nova accepts (one below 2.73 answers 406 to 2.73).
    const microversion = await negotiateNova(client, signal).catch((err: unknown) => {
        fatal.push(problemOf(err));
        return undefined;
    });
    const nova = { 'OpenStack-API-Version': `compute ${microversion ?? '2.1'}` };

    for (const probe of PROBES) {
        const call = { ...probe.call(projectId, nova), method: 'GET', scope: ADMIN, signal };
        if (await probeFails(client, call)) missing.push(probe.permission);
    }
    if (await usesUnifiedLimits(client, signal)) {
        fatal.push('Nova counts quota with Keystone unified limits, which Bascule does not support yet');
    }
    return { missing, fatal, microversion };
}

/** Every problem of checkCloud, one line each; empty when the cloud can be served as it is. */
export async function selfCheck(client: CloudClient, signal?: AbortSignal): Promise<string[]> {
    const { missing, fatal } = await checkCloud(client, signal);
    return [...missing.map((permission) => `missing permission: ${permission}`), ...fatal];
}

async function probeFails(client: CloudClient, call: CloudCall): Promise<boolean> {
    try {
        await client.call(call);
        return false;
    } catch (err) {
        if (isKind(err, 'PolicyForbidden')) return true;
        throw err;
    }
}

function problemOf(err: unknown): string {
    if (err instanceof OpenStackError && err.kind === 'Invalid') return err.serviceMessage;
    throw err;
}

/**
 * NOTE: Nova's API does not say which quota driver it runs. The best signal is Keystone: a cloud on
 * unified limits has registered limits for Nova's resources (`servers`, `class:VCPU`, …). A Keystone
 * without the registered-limits API (404) or a reader refused it (403) is taken as "not unified";
 * a cloud that registered limits but still uses the legacy driver would be refused wrongly, which
 * is the safe side. Nova's own config (`[quota] driver`) is the only certain answer.
 */
export async function usesUnifiedLimits(client: CloudClient, signal?: AbortSignal): Promise<boolean> {
    try {
        const path = '/registered_limits';
        const answer = await client.call({
            service: 'identity',
            operation: 'listRegisteredLimits',
            method: 'GET',
            path,
            scope: ADMIN,
            signal,
        });
        return arr(answer.body, 'registered_limits')
            .filter(isRecord)
            .some((l) => NOVA_LIMIT_NAMES.test(str(l, 'resource_name') ?? ''));
    } catch (err) {
        if (isKind(err, 'NotFound', 'PolicyForbidden')) return false;
        throw err;
    }
}
