// The four scenarios of ARBITER.md, their end states, and the demo's objects at any scale. The demo
// (hack/demo/main.ts) plays them at full scale; the scenario tests at a tenth.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import yaml from 'js-yaml';

export const POOLS = ['elections-web', 'alerts-front', 'analytics-batch'] as const;
export const TENANTS = ['background', 'elections', 'alerts', 'analytics'] as const;
export type PoolName = (typeof POOLS)[number];
export type TenantName = (typeof TENANTS)[number];

/** m1.medium, the flavor of every machine in the scenarios. */
export const MACHINE = { instances: 1, cores: 2, ramMiB: 4096 };

export interface Quota {
    instances: number;
    cores: number;
    ramMiB: number;
}

/** A converged state: running and parked machines per pool, and per tenant its effective and applied quota. */
export interface EndState {
    running: Record<PoolName, number>;
    parked: Record<PoolName, number>;
    effective: Record<TenantName, Quota>;
    applied: Record<TenantName, Quota>;
}

/** What a scenario does to the cluster. */
export interface Driver {
    scale(pool: PoolName, replicas: number): Promise<void>;
    /** Moves the start of the elections pool's window to `at`. */
    openWindow(pool: PoolName, at: Date): Promise<void>;
}

export interface Scenario {
    name: string;
    /** What it shows, for the timeline. */
    story: string;
    play(driver: Driver, factor: number): Promise<void>;
    end(factor: number): EndState;
}

const machines = (n: number): Quota => ({ instances: n, cores: 2 * n, ramMiB: 4096 * n });

function state(
    f: number,
    running: [number, number, number],
    parkedElections: number,
    effective: [number, number, number, number],
    appliedElections?: Quota,
): EndState {
    const [e, a, n] = running.map((r) => Math.round(r * f)) as [number, number, number];
    const eff = effective.map((q) => machines(Math.round(q * f))) as [Quota, Quota, Quota, Quota];
    const effectiveByTenant = { background: eff[0], elections: eff[1], alerts: eff[2], analytics: eff[3] };
    return {
        running: { 'elections-web': e, 'alerts-front': a, 'analytics-batch': n },
        parked: { 'elections-web': Math.round(parkedElections * f), 'alerts-front': 0, 'analytics-batch': 0 },
        effective: effectiveByTenant,
        applied: { ...effectiveByTenant, ...(appliedElections ? { elections: appliedElections } : {}) },
    };
}

/** Where the four scenarios start: every pool at its floor. */
export function startState(f: number): EndState {
    return state(f, [200, 10, 0], 0, [1000, 1200, 200, 0]);
}

export const SCENARIOS: readonly Scenario[] = [
    {
        name: '1 lend',
        story: 'analytics scales to 1,000 and borrows idle guarantee (elections lends 840, alerts 160)',
        play: (d, f) => d.scale('analytics-batch', Math.round(1000 * f)),
        end: (f) => state(f, [200, 10, 1000], 0, [1000, 360, 40, 1000]),
    },
    {
        name: '2 reclaim',
        story: 'the election window opens: elections takes back its guarantee from analytics',
        play: (d) => d.openWindow('elections-web', new Date()),
        end: (f) => state(f, [1200, 10, 190], 0, [1000, 1200, 10, 190]),
    },
    {
        name: '3 emergency',
        story: 'an attack: alerts scales from 10 to 1,010 and preempts elections above its floor',
        play: (d, f) => d.scale('alerts-front', Math.round(1010 * f)),
        // Parked machines still count for Nova: elections' applied quota stays at its usage.
        end: (f) => state(f, [390, 1010, 0], 810, [1000, 390, 1010, 0], machines(Math.round(1200 * f))),
    },
    {
        name: '4 return',
        story: "the incident ends: alerts scales back to 10, elections' parked machines come back",
        play: (d, f) => d.scale('alerts-front', Math.round(10 * f)),
        end: (f) => state(f, [1200, 10, 190], 0, [1000, 1200, 10, 190]),
    },
];

type Doc = Record<string, unknown> & {
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    spec: Record<string, unknown>;
};

/**
 * The demo's Tenants and ElasticPools from config/samples/demo, every size multiplied by `factor`,
 * names and namespaces suffixed with `suffix` (tests share one API server), `labels` added to the
 * objects and to the pools' machines.
 */
export function demoObjects(factor: number, suffix = '', labels: Record<string, string> = {}): Doc[] {
    const dir = resolve(import.meta.dirname, '../../config/samples/demo');
    const docs = ['tenants.yaml', 'elasticpools.yaml'].flatMap(
        (file) => yaml.loadAll(readFileSync(resolve(dir, file), 'utf8')) as Doc[],
    );
    const named = (name: string) => `${name}${suffix}`;
    return docs.map((doc) => {
        const spec = structuredClone(doc.spec);
        const metadata = { ...doc.metadata, name: named(doc.metadata.name), labels: { ...labels } };
        if (doc.kind === 'Tenant') {
            for (const key of ['guarantee', 'borrowingLimit', 'lendingLimit']) scaleQuota(spec, key, factor);
            if (Array.isArray(spec.namespaces)) spec.namespaces = (spec.namespaces as string[]).map(named);
        } else {
            metadata.namespace = named(doc.metadata.namespace ?? '');
            spec.tenant = named(spec.tenant as string);
            for (const key of ['replicas', 'minReplicas', 'maxReplicas']) scaleCount(spec, key, factor);
            for (const window of (spec.schedule ?? []) as Record<string, unknown>[]) {
                for (const key of ['replicas', 'minReplicas', 'maxReplicas']) scaleCount(window, key, factor);
            }
            const template = spec.template as { metadata?: { labels?: Record<string, string> } };
            template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...labels } };
        }
        return { ...doc, metadata, spec };
    });
}

function scaleCount(obj: Record<string, unknown>, key: string, factor: number): void {
    if (typeof obj[key] === 'number') obj[key] = Math.round(obj[key] * factor);
}

function scaleQuota(spec: Record<string, unknown>, key: string, factor: number): void {
    const quota = spec[key] as { instances?: number; cores?: number; ram?: string } | undefined;
    if (quota === undefined) return;
    if (quota.instances !== undefined) quota.instances = Math.round(quota.instances * factor);
    if (quota.cores !== undefined) quota.cores = Math.round(quota.cores * factor);
    if (quota.ram !== undefined) quota.ram = `${String(Math.round(mebibytes(quota.ram) * factor))}Mi`;
}

function mebibytes(ram: string): number {
    const match = /^(\d+)(Mi|Gi|Ti)$/.exec(ram);
    if (match === null) throw new Error(`unexpected RAM quantity ${ram} in the demo samples`);
    const unit = { Mi: 1, Gi: 1024, Ti: 1024 * 1024 }[match[2] as 'Mi' | 'Gi' | 'Ti'];
    return Number(match[1]) * unit;
}
