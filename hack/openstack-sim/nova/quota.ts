// Nova quotas: os-quota-sets, limits, and the checks on create, resize and unshelve.
import { isAdmin } from '../keystone/tokens.ts';
import type { Ctx } from '../router.ts';
import { defaultNovaQuota, type NovaQuota, type World } from '../state.ts';
import { isRecord, novaError, type Reply } from '../wire.ts';

export type Counted = 'instances' | 'cores' | 'ram';

const COUNTED: Counted[] = ['cores', 'instances', 'ram'];

/** Usage as Nova counts it in the configured mode: from its database, or cores and RAM from Placement. */
export function usageFor(world: World, projectId: string): Record<Counted, number> {
    const db = world.usageOf(projectId);
    if (world.quotaCounting === 'default') {
        return { instances: db.instances, cores: db.cores, ram: db.ram };
    }
    const placement = world.placementUsageOf(projectId);
    return { instances: db.instances, cores: placement.VCPU, ram: placement.MEMORY_MB };
}

/** Refuses the request with Nova's 403 when `deltas` would take the project over its quota. */
export function checkQuota(world: World, projectId: string, deltas: Record<Counted, number>): void {
    const quota = world.quotaOf(projectId);
    const used = usageFor(world, projectId);
    const overs = COUNTED.filter((r) => deltas[r] > 0 && quota[r] >= 0 && used[r] + deltas[r] > quota[r]);
    if (overs.length === 0) {
        return;
    }
    const join = (values: (string | number)[]) => values.join(', ');
    const names = join(overs);
    throw novaError(
        403,
        `Quota exceeded for ${names}: Requested ${join(overs.map((r) => deltas[r]))}, but already used ${join(overs.map((r) => used[r]))} of ${join(overs.map((r) => quota[r]))} ${names}`,
    );
}

function policy(ctx: Ctx, rule: string): void {
    if (!isAdmin(ctx)) {
        throw novaError(403, `Policy doesn't allow ${rule} to be performed.`);
    }
}

function readableProject(ctx: Ctx, projectId: string, rule: string): void {
    if (ctx.token?.projectId !== projectId) {
        policy(ctx, rule);
    }
}

export function showQuota(ctx: Ctx, [projectId = '']: string[]): Reply {
    readableProject(ctx, projectId, 'os_compute_api:os-quota-sets:show');
    return { status: 200, body: { quota_set: { id: projectId, ...ctx.world.quotaOf(projectId) } } };
}

export function showQuotaDetail(ctx: Ctx, [projectId = '']: string[]): Reply {
    readableProject(ctx, projectId, 'os_compute_api:os-quota-sets:detail');
    const quota = ctx.world.quotaOf(projectId);
    const used = usageFor(ctx.world, projectId);
    const detail: Record<string, unknown> = { id: projectId };
    for (const key of Object.keys(quota) as (keyof NovaQuota)[]) {
        const inUse = key === 'instances' || key === 'cores' || key === 'ram' ? used[key] : 0;
        detail[key] = { limit: quota[key], in_use: inUse, reserved: 0 };
    }
    return { status: 200, body: { quota_set: detail } };
}

export function showDefaults(_ctx: Ctx, [projectId = '']: string[]): Reply {
    return { status: 200, body: { quota_set: { id: projectId, ...defaultNovaQuota() } } };
}

/** PUT: integers only, and never below what is counted unless `force` is given. */
export function updateQuota(ctx: Ctx, [projectId = '']: string[]): Reply {
    policy(ctx, 'os_compute_api:os-quota-sets:update');
    const given = isRecord(ctx.body) && isRecord(ctx.body.quota_set) ? ctx.body.quota_set : undefined;
    if (given === undefined) {
        throw novaError(
            400,
            "Invalid input for field/attribute quota_set. Value: None. None is not of type 'object'",
        );
    }

    const force = given.force === true || given.force === 'True' || given.force === 'true';
    const quota = ctx.world.quotaOf(projectId);
    const next = { ...quota };
    for (const [key, raw] of Object.entries(given)) {
        if (key === 'force') {
            continue;
        }
        if (!(key in quota)) {
            throw novaError(
                400,
                `Invalid input for field/attribute quota_set. Value: ${JSON.stringify(given)}. Additional properties are not allowed ('${key}' was unexpected)`,
            );
        }
        next[key as keyof NovaQuota] = parseLimit(key, raw);
    }

    if (!force) {
        checkNotBelowUsage(ctx.world, projectId, next);
    }
    Object.assign(quota, next);
    return { status: 200, body: { quota_set: { ...quota } } };
}

function parseLimit(key: string, raw: unknown): number {
    const text = String(raw);
    if (!/^-?[0-9]+$/.test(text)) {
        throw novaError(
            400,
            `Invalid input for field/attribute ${key}. Value: ${text}. '${text}' does not match '^-?[0-9]+$'`,
        );
    }
    const value = Number(text);
    if (value < -1) {
        throw novaError(
            400,
            `Invalid input for field/attribute ${key}. Value: ${text}. ${text} is less than the minimum of -1`,
        );
    }
    return value;
}

function checkNotBelowUsage(world: World, projectId: string, next: NovaQuota): void {
    const used = usageFor(world, projectId);
    for (const key of COUNTED) {
        if (next[key] >= 0 && next[key] < used[key]) {
            throw novaError(
                400,
                `Quota limit ${next[key]} for ${key} must be greater than or equal to already used and reserved ${used[key]}.`,
            );
        }
    }
}

export function deleteQuota(ctx: Ctx, [projectId = '']: string[]): Reply {
    policy(ctx, 'os_compute_api:os-quota-sets:delete');
    ctx.world.novaQuotas.delete(projectId);
    return { status: 202 };
}

export function limits(ctx: Ctx): Reply {
    const projectId = (isAdmin(ctx) ? ctx.query.get('tenant_id') : null) ?? ctx.token?.projectId ?? '';
    const quota = ctx.world.quotaOf(projectId);
    const used = usageFor(ctx.world, projectId);
    const absolute: Record<string, number> = {
        maxTotalInstances: quota.instances,
        maxTotalCores: quota.cores,
        maxTotalRAMSize: quota.ram,
        maxServerMeta: quota.metadata_items,
        maxTotalKeypairs: quota.key_pairs,
        maxServerGroups: quota.server_groups,
        maxServerGroupMembers: quota.server_group_members,
        totalInstancesUsed: used.instances,
        totalCoresUsed: used.cores,
        totalRAMUsed: used.ram,
        totalServerGroupsUsed: 0,
    };
    if (ctx.microversion < 57) {
        Object.assign(absolute, { maxPersonality: 5, maxPersonalitySize: 10240, maxImageMeta: 128 });
    }
    return { status: 200, body: { limits: { rate: [], absolute } } };
}
