import type { DesiredCondition } from './conditions.ts';

/** At most this many machines are named in a Tenant condition; the count is always whole. */
const MAX_NAMED = 10;

/**
 * Machines whose last reconcile the cloud's policy refused (a 403 that is not a quota), by Tenant:
 * written by the VirtualMachine reconciler, read by the Tenant reconciler for its `PolicyForbidden`
 * condition, so the Tenant's status keeps one writer. A refusal usually means Bascule's role on the
 * project has not arrived yet, which the platform team sees on the Tenant rather than on each machine.
 */
export class PolicyReport {
    private readonly byTenant = new Map<string, Map<string, string>>();
    private readonly changed: (tenant: string) => void;

    /** `changed` is called with a Tenant's name whenever its list of refused machines changes. */
    constructor(changed: (tenant: string) => void) {
        this.changed = changed;
    }

    /** Records the machine `key` of `tenant` as refused (with the cloud's message) or not. */
    set(tenant: string, key: string, refusal: string | undefined): void {
        const machines = this.byTenant.get(tenant) ?? new Map<string, string>();
        const had = machines.has(key);
        if (refusal === undefined) {
            if (!had) return;
            machines.delete(key);
            if (machines.size === 0) this.byTenant.delete(tenant);
        } else {
            if (!had) this.byTenant.set(tenant, machines);
            machines.set(key, refusal);
            if (had) return;
        }
        this.changed(tenant);
    }

    /** Forgets a machine that is gone, whatever its Tenant. */
    forget(key: string): void {
        for (const [tenant, machines] of this.byTenant) {
            if (machines.has(key)) this.set(tenant, key, undefined);
        }
    }

    /** The refused machines of `tenant` (`namespace/name` and the cloud's message), sorted by key. */
    forTenant(tenant: string): [string, string][] {
        return [...(this.byTenant.get(tenant) ?? new Map<string, string>())].sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
        );
    }
}

/** The Tenant's `PolicyForbidden` condition: True while the cloud's policy refuses its machines. */
export function policyCondition(refused: readonly [string, string][], projectId: string): DesiredCondition {
    if (refused.length === 0) {
        const message = 'no machine refused by the cloud policy';
        return { type: 'PolicyForbidden', status: 'False', reason: 'Success', message };
    }
    const named = refused.slice(0, MAX_NAMED).map(([key]) => key);
    const more = refused.length > MAX_NAMED ? `, and ${String(refused.length - MAX_NAMED)} more` : '';
    const [, first] = refused[0] ?? ['', ''];
    const noun = refused.length === 1 ? 'machine' : 'machines';
    const message =
        `the cloud's policy refuses calls for ${String(refused.length)} ${noun} ` +
        `(${named.join(', ')}${more}): check Bascule's role on project ${projectId}; first refusal: ${first}`;
    return { type: 'PolicyForbidden', status: 'True', reason: 'PolicyForbidden', message };
}
