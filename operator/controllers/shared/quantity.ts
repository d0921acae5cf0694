const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };
const MIB = 2 ** 20;

/**
 * A Kubernetes quantity (as the CRDs allow for RAM: a whole number of MiB) in MiB. Throws on a
 * form the schema should have refused, so a bad value is terminal rather than silently zero.
 */
export function quantityToMiB(quantity: string | number | undefined): number {
    if (quantity === undefined) return 0;
    if (typeof quantity === 'number') return Math.floor(quantity / MIB);

    const match = /^([0-9]+(?:\.[0-9]+)?)([KMGTP]i|[kMGTP]?)$/.exec(quantity.trim());
    if (match === null) throw new Error(`not a quantity: "${quantity}"`);
    const [, digits = '0', suffix = ''] = match;
    const factor = BINARY[suffix] ?? DECIMAL[suffix] ?? 1;
    return Math.floor((Number(digits) * factor) / MIB);
}
