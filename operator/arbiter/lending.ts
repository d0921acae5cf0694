import { apportion } from './apportion.ts';
import { lendableIdle } from './guarantees.ts';
import { unguaranteed, type Ledger, type PoolEntry, type TenantEntry } from './ledger.ts';
import { UNGUARANTEED, type Attribution, type Reallocation } from './types.ts';
import { add, dimensions, nonNegative, sub, times, wholeMachines, ZERO, type Resources } from './vector.ts';

/** What each tenant lends, and, per borrowing pool, which sources its rule-3 machines come from. */
export interface Lending {
    readonly lent: ReadonlyMap<string, Resources>;
    readonly lentBy: ReadonlyMap<string, Attribution>;
}

interface Sources {
    unguaranteed: Resources;
    /** Lendable idle guarantee left, and idle guarantee past the lending limit (for mandatory usage only). */
    readonly lenders: { readonly tenant: TenantEntry; remaining: Resources; pastLimit: Resources }[];
    readonly lent: Map<string, Resources>;
}

/**
 * Attributes every borrowed amount to its sources, from the final grants alone (so re-running on the same
 * grants attributes the same way): rule 5 takings to the victims' tenants; fixed usage, claims and floors
 * over a guarantee, then rule-3 grants in arbitration order, to unguaranteed capacity first and then to
 * other tenants' lendable idle guarantee in proportion, in whole machines by largest remainder (rule 3).
 */
export function attributeLending(ledger: Ledger, preemptions: readonly Reallocation[]): Lending {
    const sources = openSources(ledger);

    const fromVictims = new Map<string, Resources>();
    for (const move of preemptions) {
        const victim = ledger.pools.find((p) => p.demand.key === move.from);
        if (!victim || move.to === null) continue;
        const taken = times(victim.demand.flavor, move.replicas);
        lend(sources, victim.tenant, taken);
        fromVictims.set(move.to, add(fromVictims.get(move.to) ?? ZERO, taken));
    }

    for (const tenant of ledger.tenants.values()) {
        const excess = nonNegative(sub(tenant.heldAfterGuarantees, tenant.demand.guarantee));
        attributeExcess(sources, tenant, excess, true);
    }

    const lentBy = new Map<string, Attribution>();
    for (const pool of ledger.pools) {
        if (pool.borrowed > 0) lentBy.set(pool.demand.key, attributeMachines(sources, pool));
    }

    // A rule-5 taker may also have used free capacity next to what its victims freed (other flavors).
    for (const pool of ledger.pools.filter((p) => p.preempting > 0)) {
        const taken = fromVictims.get(pool.demand.key) ?? ZERO;
        const rest = nonNegative(sub(times(pool.demand.flavor, pool.preempting), taken));
        attributeExcess(sources, pool.tenant, rest, false);
    }
    return { lent: sources.lent, lentBy };
}

function openSources(ledger: Ledger): Sources {
    const tenants = [...ledger.tenants.values()];
    return {
        unguaranteed: unguaranteed(ledger),
        lenders: tenants.map((tenant) => {
            const remaining = lendableIdle(tenant);
            const idle = nonNegative(sub(tenant.demand.guarantee, tenant.heldAfterGuarantees));
            return { tenant, remaining, pastLimit: sub(idle, remaining) };
        }),
        lent: new Map(tenants.map((t) => [t.demand.name, ZERO])),
    };
}

function lend(sources: Sources, tenant: TenantEntry, amount: Resources): void {
    const name = tenant.demand.name;
    sources.lent.set(name, add(sources.lent.get(name) ?? ZERO, amount));
}

/**
 * Over-guarantee usage is not in machines of one flavor: it is attributed dimension by dimension. Fixed
 * usage and floors hold capacity whatever the lending limits, so past them it comes from idle guarantee.
 */
function attributeExcess(
    sources: Sources,
    borrower: TenantEntry,
    excess: Resources,
    mandatory: boolean,
): void {
    const lenders = sources.lenders.filter((l) => l.tenant !== borrower);
    for (const d of dimensions()) {
        const fromUnguaranteed = Math.min(excess[d], sources.unguaranteed[d]);
        sources.unguaranteed = { ...sources.unguaranteed, [d]: sources.unguaranteed[d] - fromUnguaranteed };
        let left = excess[d] - fromUnguaranteed;

        for (const pool of mandatory ? (['remaining', 'pastLimit'] as const) : (['remaining'] as const)) {
            const shares = apportion(
                left,
                lenders.map((l) => l[pool][d]),
            );
            lenders.forEach((lender, i) => {
                const amount = { ...ZERO, [d]: shares[i] ?? 0 };
                lender[pool] = sub(lender[pool], amount);
                lend(sources, lender.tenant, amount);
                left -= shares[i] ?? 0;
            });
        }
    }
}

function attributeMachines(sources: Sources, pool: PoolEntry): Attribution {
    const size = pool.demand.flavor;
    const attribution: Record<string, number> = {};

    const fromUnguaranteed = Math.min(
        pool.borrowed,
        wholeMachines(sources.unguaranteed, size, pool.borrowed),
    );
    sources.unguaranteed = sub(sources.unguaranteed, times(size, fromUnguaranteed));
    if (fromUnguaranteed > 0) attribution[UNGUARANTEED] = fromUnguaranteed;

    const lenders = sources.lenders.filter((l) => l.tenant !== pool.tenant);
    const weights = lenders.map((l) => wholeMachines(l.remaining, size, pool.borrowed));
    const shares = apportion(pool.borrowed - fromUnguaranteed, weights);
    lenders.forEach((lender, i) => {
        const count = shares[i] ?? 0;
        if (count === 0) return;
        lender.remaining = sub(lender.remaining, times(size, count));
        lend(sources, lender.tenant, times(size, count));
        attribution[lender.tenant.demand.name] = count;
    });

    // With flavors of several sizes, idle guarantee may be fragmented so that no single source holds a
    // whole machine; what is left is then attributed dimension by dimension.
    const attributed = Object.values(attribution).reduce((a, b) => a + b, 0);
    attributeExcess(sources, pool.tenant, times(size, pool.borrowed - attributed), false);
    return attribution;
}
