/** A quantity of compute in the three dimensions Nova counts: instances, vCPU cores and RAM in MiB. */
export interface Resources {
    readonly instances: number;
    readonly cores: number;
    readonly ramMiB: number;
}

export const ZERO: Resources = { instances: 0, cores: 0, ramMiB: 0 };

const DIMENSIONS = ['instances', 'cores', 'ramMiB'] as const;

function combine(a: Resources, b: Resources, op: (x: number, y: number) => number): Resources {
    return {
        instances: op(a.instances, b.instances),
        cores: op(a.cores, b.cores),
        ramMiB: op(a.ramMiB, b.ramMiB),
    };
}

export function add(a: Resources, b: Resources): Resources {
    return combine(a, b, (x, y) => x + y);
}

export function sub(a: Resources, b: Resources): Resources {
    return combine(a, b, (x, y) => x - y);
}

export function min(a: Resources, b: Resources): Resources {
    return combine(a, b, Math.min);
}

export function max(a: Resources, b: Resources): Resources {
    return combine(a, b, Math.max);
}

/** Clamps every dimension at zero. */
export function nonNegative(a: Resources): Resources {
    return max(a, ZERO);
}

export function times(a: Resources, n: number): Resources {
    return { instances: a.instances * n, cores: a.cores * n, ramMiB: a.ramMiB * n };
}

export function sum(items: readonly Resources[]): Resources {
    return items.reduce(add, ZERO);
}

/** True when `a` fits in `b` in every dimension. */
export function fitsIn(a: Resources, b: Resources): boolean {
    return DIMENSIONS.every((d) => a[d] <= b[d]);
}

export function equal(a: Resources, b: Resources): boolean {
    return DIMENSIONS.every((d) => a[d] === b[d]);
}

/**
 * How many whole machines of size `size` fit in `room`: a machine fits only if every dimension fits.
 * A dimension the machine does not use never limits it; a machine that uses nothing is bounded by `limit`.
 */
export function wholeMachines(room: Resources, size: Resources, limit = Number.MAX_SAFE_INTEGER): number {
    let count = limit;
    for (const d of DIMENSIONS) {
        if (size[d] > 0) count = Math.min(count, Math.floor(Math.max(0, room[d]) / size[d]));
    }
    return Math.max(0, count);
}

/** The fewest machines of size `size` whose sum covers `need` in every dimension (or `limit` if never). */
export function machinesCovering(need: Resources, size: Resources, limit: number): number {
    let count = 0;
    for (const d of DIMENSIONS) {
        if (need[d] <= 0) continue;
        if (size[d] <= 0) return limit;
        count = Math.max(count, Math.ceil(need[d] / size[d]));
    }
    return Math.min(count, limit);
}

export function resources(instances: number, cores: number, ramMiB: number): Resources {
    return { instances, cores, ramMiB };
}

/** The three dimensions, for code that must treat each one apart. */
export function dimensions(): readonly (keyof Resources)[] {
    return DIMENSIONS;
}
