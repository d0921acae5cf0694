import type { CloudCall, CloudClient } from './cloud-client.ts';
import { isKind, OpenStackError } from './errors.ts';
import { ADMIN } from './identity.ts';
import { arr, isRecord, str } from './json.ts';
import { negotiateNova } from './microversion.ts';

/** One permission the operator needs, and the cheapest read that proves it. */
interface Probe {
    permission: string;
    call: (projectId: string) => Omit<CloudCall, 'scope' | 'method' | 'signal'>;
}

const NOVA = { 'OpenStack-API-Version': 'compute 2.73' };

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
        call: () => ({
            ...get('compute', 'listServers', '/servers/detail?all_tenants=1&limit=1'),
            headers: NOVA,
        }),
    },
    {
        permission: 'os_compute_api:os-quota-sets:detail',
        call: (p) => ({ ...get('compute', 'getQuota', `/os-quota-sets/${p}/detail`), headers: NOVA }),
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
 * The start-up self-check: one line per problem, empty when the cloud can be served. It names each
 * missing permission, refuses a Nova below 2.73 and a Nova that counts quota with Keystone unified
 * limits. Transport failures are thrown, not reported: the cloud was not reached.
 */
export async function selfCheck(client: CloudClient, signal?: AbortSignal): Promise<string[]> {
    const session = await client.identity.session(ADMIN, signal);
    const projectId = session.projectId ?? '';
    const problems: string[] = [];

    for (const probe of PROBES) {
        const missing = await probeFails(client, {
            ...probe.call(projectId),
            method: 'GET',
            scope: ADMIN,
            signal,
        });
        if (missing) problems.push(`missing permission: ${probe.permission}`);
    }

    const microversion = await negotiateNova(client, signal).catch((err: unknown) => problemOf(err));
    if (microversion.startsWith('Nova')) problems.push(microversion);
    if (await usesUnifiedLimits(client, signal)) {
        problems.push('Nova counts quota with Keystone unified limits, which Bascule does not support yet');
    }
    return problems;
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
