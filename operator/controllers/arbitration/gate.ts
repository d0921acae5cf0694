import type { Placement } from '../../openstack/placement.ts';
import type { CapacityGate, GrowthAdmission, GrowthRequest } from '../elasticpool/gate.ts';
import type { Resources } from '../shared/resources.ts';
import type { Tenant } from '../tenant/types.ts';
import type { NameOrId } from '../virtualmachine/types.ts';
import type { Step } from './transfers.ts';

export interface GateOptions {
    placement: Pick<Placement, 'fits'>;
    /** The Tenant as the cache holds it. */
    tenant: (name: string) => Tenant | undefined;
    /** The flavor's Placement resources, or undefined while unknown. */
    flavorResources: (ref: NameOrId) => Record<string, number> | undefined;
    now: () => number;
    /** How long one reading of the allocation candidates answers every pool that asks. */
    freshMs: number;
    /** Told when a pool passes a step of ARBITER.md's order of effects. */
    passed: (pool: string, step: Step) => void;
    /**
     * What admitted growth holds that Placement does not show yet: pool machines without a server,
     * or whose server is still scheduling or unshelving. Free capacity is counted net of it.
     */
    unplaced: () => Resources;
}

interface Reading {
    atMs: number;
    machines: number;
    /** Machines of this size that earlier admissions hold but Placement does not show yet. */
    unplaced: number;
    /** Admitted since this reading (their machines may not even exist yet). */
    admitted: number;
}

/**
 * ARBITER.md's order of effects, asked by a pool before it unshelves or creates: the tenant's
 * applied quota has caught up with the arbiter's decision (the Tenant controller, the only quota
 * writer, applied it), and the allocation candidates show room for that many machines host by host
 * (victims released, freed capacity observed), net of what earlier admissions will take but
 * Placement does not show yet (machines not yet created, or still scheduling). It admits what fits
 * now; the pool asks again for the rest. One reading of the candidates per flavor serves every pool
 * for `freshMs`, counting what it already admitted, so two pools never spend the same free host.
 */
export class ArbiterGate implements CapacityGate {
    private readonly opts: GateOptions;
    private readonly readings = new Map<string, Reading>();
    private readonly reading = new Map<string, Promise<Reading>>();

    constructor(opts: GateOptions) {
        this.opts = opts;
    }

    async admit(request: GrowthRequest, signal: AbortSignal): Promise<GrowthAdmission> {
        const quota = this.quotaApplied(request.tenant);
        if (quota !== undefined) return quota;
        this.opts.passed(request.pool, 'QuotaApplied');

        const ref = flavorRef(request.flavor, this.opts.flavorResources);
        const resources = this.opts.flavorResources(ref);
        if (resources === undefined) {
            return {
                admitted: 0,
                reason: 'FlavorUnknown',
                message: `flavor ${request.flavor} is not known yet`,
            };
        }
        const reading = await this.read(request.flavor, resources, signal);
        const room = reading.machines - reading.unplaced - reading.admitted;
        if (room <= 0) {
            return {
                admitted: 0,
                reason: 'CapacityNotFreed',
                message: `waiting for Placement to show room for ${String(request.wanted)} more machines`,
            };
        }
        this.opts.passed(request.pool, 'CapacityObserved');

        const admitted = Math.min(request.wanted, room);
        reading.admitted += admitted;
        this.opts.passed(request.pool, 'CreatesIssued');
        if (admitted === request.wanted) return { admitted };
        return {
            admitted,
            reason: 'CapacityNotFreed',
            message: `room for ${String(admitted)} of ${String(request.wanted)} machines so far`,
        };
    }

    private quotaApplied(name: string): GrowthAdmission | undefined {
        const tenant = this.opts.tenant(name);
        const effective = tenant?.status?.arbitration?.effective;
        if (effective === undefined) {
            return {
                admitted: 0,
                reason: 'WaitingForArbitration',
                message: `Tenant ${name} has no arbitration decision yet`,
            };
        }
        const applied = tenant?.status?.appliedQuota;
        if (applied === undefined || !covers(applied, effective)) {
            return {
                admitted: 0,
                reason: 'QuotaNotApplied',
                message: `waiting for Tenant ${name}'s quota to reach ${String(effective.instances)} instances`,
            };
        }
        return undefined;
    }

    private async read(flavor: string, resources: Record<string, number>, signal: AbortSignal) {
        const known = this.readings.get(flavor);
        if (known !== undefined && this.opts.now() - known.atMs < this.opts.freshMs) return known;

        let pending = this.reading.get(flavor);
        if (pending === undefined) {
            pending = this.opts.placement
                .fits(resources, signal)
                .then((fit) => {
                    const unplaced = machinesOf(this.opts.unplaced(), resources);
                    const reading = { atMs: this.opts.now(), machines: fit.machines, unplaced, admitted: 0 };
                    this.readings.set(flavor, reading);
                    return reading;
                })
                .finally(() => this.reading.delete(flavor));
            this.reading.set(flavor, pending);
        }
        return pending;
    }
}

/** How many machines of `resources` (Placement classes) the vector `held` amounts to, rounded up. */
function machinesOf(held: Resources, resources: Record<string, number>): number {
    const cores = resources.VCPU ?? 0;
    const ram = resources.MEMORY_MB ?? 0;
    return Math.max(
        held.instances,
        cores > 0 ? Math.ceil(held.cores / cores) : 0,
        ram > 0 ? Math.ceil(held.ramMiB / ram) : 0,
    );
}

function covers(applied: Resources, effective: Resources): boolean {
    return (
        applied.instances >= effective.instances &&
        applied.cores >= effective.cores &&
        applied.ramMiB >= effective.ramMiB
    );
}

/** A template's flavor as written: tried as a name first, then as an ID. */
function flavorRef(text: string, known: (ref: NameOrId) => unknown): NameOrId {
    return known({ name: text }) !== undefined ? { name: text } : { id: text };
}
