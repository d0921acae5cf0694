/**
 * Splits `total` whole units in proportion to `weights` by the largest-remainder method. Ties go to the
 * earlier weight, so callers list candidates in tie-break order (rule 3: the older tenant first). No
 * share passes its weight; when `total` exceeds the sum of the weights, every share is its weight.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
    const sumOfWeights = weights.reduce((a, b) => a + b, 0);
    if (total >= sumOfWeights) return [...weights];
    if (total <= 0) return weights.map(() => 0);

    const exact = weights.map((w) => (total * w) / sumOfWeights);
    const shares = exact.map(Math.floor);
    const left = total - shares.reduce((a, b) => a + b, 0);

    const byRemainder = exact
        .map((x, index) => ({ index, remainder: x - Math.floor(x) }))
        .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
    for (const { index } of byRemainder.slice(0, left)) shares[index] = (shares[index] ?? 0) + 1;
    return shares;
}
