// Derives admission cases from the CRD schemas themselves: for every constraint
// on a field that a full object sets (required, length, range, enum, pattern,
// item and property counts, set uniqueness), one value it must reject and the
// boundary value it must accept. CEL rules need meaning, so their cases are
// written by hand (validation.test.ts, immutability.test.ts).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { load } from 'js-yaml';

import type { Obj } from '../support/cluster.ts';

export interface Schema {
    type?: string;
    required?: string[];
    properties?: Record<string, Schema>;
    additionalProperties?: Schema;
    items?: Schema;
    enum?: unknown[];
    minLength?: number;
    maxLength?: number;
    pattern?: string;
    minimum?: number;
    maximum?: number;
    maxItems?: number;
    maxProperties?: number;
    'x-kubernetes-list-type'?: string;
}

export interface ConstraintCase {
    title: string;
    object: Obj;
    verdict: 'reject' | 'accept';
    /** The field the API server must name, as it names it: spec.schedule[0].start. */
    field: string;
    message?: RegExp;
}

type Path = (string | number)[];

/** Boundary values the schema alone cannot make valid: a CEL rule on the field refuses them. */
export interface WalkOptions {
    /** Field paths (indexes as [0]) whose accepting case is covered by a hand-written one. */
    noBoundary?: Record<string, string>;
    /** Makes `count` distinct valid items for an array, where copies of the first would not do. */
    items?: Record<string, (count: number) => unknown[]>;
}

export function specSchema(file: string): Schema {
    interface Crd {
        spec: { versions: { schema: { openAPIV3Schema: Schema } }[] };
    }
    const crd = load(readFileSync(resolve(import.meta.dirname, '../../crds', file), 'utf8')) as Crd;
    const spec = crd.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
    if (!spec) throw new Error(`${file} has no spec schema`);
    return spec;
}

export function fieldName(path: Path): string {
    return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export function constraintCases(schema: Schema, full: Obj, options: WalkOptions = {}): ConstraintCase[] {
    const cases: ConstraintCase[] = [];
    walk(schema, full.spec, ['spec'], { full, options, cases });
    return cases;
}

interface Walk {
    full: Obj;
    options: WalkOptions;
    cases: ConstraintCase[];
}

function walk(schema: Schema, value: unknown, path: Path, w: Walk): void {
    if (Array.isArray(value)) {
        arrayCases(schema, value, path, w);
        if (schema.items && value.length > 0) walk(schema.items, value[0], [...path, 0], w);
    } else if (typeof value === 'string') {
        stringCases(schema, value, path, w);
    } else if (typeof value === 'number') {
        numberCases(schema, path, w);
    } else if (value !== null && typeof value === 'object') {
        objectCases(schema, value as Record<string, unknown>, path, w);
    }
}

function objectCases(schema: Schema, value: Record<string, unknown>, path: Path, w: Walk): void {
    for (const name of schema.required ?? []) {
        if (name in value)
            add(
                w,
                'reject',
                `without ${fieldName([...path, name])}`,
                [...path, name],
                undefined,
                /Required value/,
            );
    }

    if (schema.maxProperties !== undefined) {
        const sample = Object.values(value)[0];
        const entries = (n: number) =>
            Object.fromEntries(Array.from({ length: n }, (_, i) => [`key-${i}`, sample]));
        const max = schema.maxProperties;
        add(
            w,
            'reject',
            `with ${max + 1} entries`,
            path,
            entries(max + 1),
            new RegExp(`must have at most ${max} items`),
        );
        add(w, 'accept', `with ${max} entries`, path, entries(max));
    }

    for (const [name, child] of Object.entries(schema.properties ?? {})) {
        if (value[name] !== undefined) walk(child, value[name], [...path, name], w);
    }
    if (schema.additionalProperties) {
        for (const [key, child] of Object.entries(value))
            walk(schema.additionalProperties, child, [...path, key], w);
    }
}

function arrayCases(schema: Schema, value: unknown[], path: Path, w: Walk): void {
    const distinct = w.options.items?.[fieldName(path)] ?? ((n: number) => copies(value[0], n));

    if (schema.maxItems !== undefined) {
        const max = schema.maxItems;
        add(
            w,
            'reject',
            `with ${max + 1} items`,
            path,
            distinct(max + 1),
            new RegExp(`must have at most ${max} items`),
        );
        add(w, 'accept', `with ${max} items`, path, distinct(max));
    }

    if (schema['x-kubernetes-list-type'] === 'set' && value.length > 0) {
        add(w, 'reject', 'with a duplicate', path, [value[0], value[0]], /Duplicate value/, [...path, 1]);
    }
}

/** n items like `first`, made distinct where they are strings (sets and patterns allow a suffix). */
function copies(first: unknown, n: number): unknown[] {
    return Array.from({ length: n }, (_, i) => (typeof first === 'string' ? `${first}-${i}` : first));
}

function stringCases(schema: Schema, value: string, path: Path, w: Walk): void {
    const matches = (s: string) => schema.pattern === undefined || new RegExp(schema.pattern).test(s);

    for (const allowed of schema.enum ?? []) add(w, 'accept', `set to ${String(allowed)}`, path, allowed);
    if (schema.enum)
        add(w, 'reject', 'set to NotAValue', path, 'NotAValue', /Unsupported value: "NotAValue"/);

    if (schema.maxLength !== undefined) {
        const max = schema.maxLength;
        add(
            w,
            'reject',
            `of ${max + 1} characters`,
            path,
            pad(value, max + 1),
            new RegExp(`may not be more than ${max} bytes`),
        );
        if (matches(pad(value, max))) add(w, 'accept', `of ${max} characters`, path, pad(value, max));
    }

    if (schema.minLength === 1) {
        add(w, 'reject', 'empty', path, '', /should be at least 1 chars long/);
        if (matches('a')) add(w, 'accept', 'of one character', path, 'a');
    }

    if (schema.pattern !== undefined) add(w, 'reject', 'set to "!"', path, '!', /should match/);
}

function numberCases(schema: Schema, path: Path, w: Walk): void {
    if (schema.minimum !== undefined) {
        const min = schema.minimum;
        add(w, 'reject', `set to ${min - 1}`, path, min - 1, new RegExp(`greater than or equal to ${min}`));
        add(w, 'accept', `set to ${min}`, path, min);
    }
    if (schema.maximum !== undefined) {
        const max = schema.maximum;
        add(w, 'reject', `set to ${max + 1}`, path, max + 1, new RegExp(`less than or equal to ${max}`));
        add(w, 'accept', `set to ${max}`, path, max);
    }
}

function pad(value: string, length: number): string {
    return value.length >= length ? value.slice(0, length) : value + 'a'.repeat(length - value.length);
}

function add(
    w: Walk,
    verdict: ConstraintCase['verdict'],
    what: string,
    path: Path,
    value: unknown,
    message?: RegExp,
    named: Path = path,
): void {
    const field = fieldName(path);
    if (verdict === 'accept' && w.options.noBoundary?.[field] !== undefined) return;

    const object = structuredClone(w.full);
    setAt(object as unknown as Record<string, unknown>, path, value);
    w.cases.push({ title: `${field} ${what}`, object, verdict, field: fieldName(named), message });
}

/** Sets (or, for undefined, removes) the value at a path of plain objects and arrays. */
function setAt(root: Record<string, unknown>, path: Path, value: unknown): void {
    const parent = path
        .slice(0, -1)
        .reduce<Record<string | number, unknown>>(
            (node, key) => node[key] as Record<string | number, unknown>,
            root,
        );
    const last = path[path.length - 1] ?? '';
    if (value === undefined) Reflect.deleteProperty(parent, last);
    else parent[last] = value;
}
