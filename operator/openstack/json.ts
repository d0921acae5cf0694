/**
 * Readers for untrusted JSON. The typed calls build their allow-listed views with these, so a field
 * of the wrong type becomes undefined (or a default) instead of leaking through as `unknown`.
 */

/** A plain-object check. */
export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object under `key`, or an empty one. */
export function obj(value: unknown, key: string): Record<string, unknown> {
    const inner = isRecord(value) ? value[key] : undefined;
    return isRecord(inner) ? inner : {};
}

/** The array under `key`, or an empty one. */
export function arr(value: unknown, key: string): unknown[] {
    const inner = isRecord(value) ? value[key] : undefined;
    return Array.isArray(inner) ? (inner as unknown[]) : [];
}

export function str(value: Record<string, unknown>, key: string): string | undefined {
    const inner = value[key];
    return typeof inner === 'string' ? inner : undefined;
}

export function num(value: Record<string, unknown>, key: string): number | undefined {
    const inner = value[key];
    return typeof inner === 'number' && Number.isFinite(inner) ? inner : undefined;
}

export function bool(value: Record<string, unknown>, key: string): boolean | undefined {
    const inner = value[key];
    return typeof inner === 'boolean' ? inner : undefined;
}

/** The strings of the array under `key`, other entries dropped. */
export function strings(value: Record<string, unknown>, key: string): string[] {
    return arr(value, key).filter((v): v is string => typeof v === 'string');
}

/** A string-to-string map under `key` (Nova metadata), other entries dropped. */
export function stringMap(value: Record<string, unknown>, key: string): Record<string, string> {
    const entries = Object.entries(obj(value, key)).filter(([, v]) => typeof v === 'string');
    return Object.fromEntries(entries) as Record<string, string>;
}
