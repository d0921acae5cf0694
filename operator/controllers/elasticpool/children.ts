import { createHash, randomInt } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';

import type { ReplicaDescriptor } from '../../arbiter/victims.ts';
import { controllerOf } from '../../runtime/kube-object.ts';
import type { Condition } from '../shared/conditions.ts';
import type { VirtualMachine, VirtualMachineSpec } from '../virtualmachine/types.ts';
import { POOL_LABEL, TEMPLATE_HASH_ANNOTATION, type ElasticPool, type PoolTemplateSpec } from './types.ts';

/** A child's spec as the pool writes it: a VirtualMachine spec with the pool's parking marker. */
export type ChildSpec = VirtualMachineSpec & { parked?: boolean };

/** A child VirtualMachine of a pool. */
export type Child = Omit<VirtualMachine, 'spec'> & { spec: ChildSpec };

/** Template fields a VirtualMachine cannot change in place: a change replaces the machines. */
const REPLACED_FIELDS = ['image', 'networks', 'sshKey', 'userData', 'availabilityZone'] as const;
/** Template fields a VirtualMachine changes in place; the pool patches them into its children. */
const IN_PLACE_FIELDS = ['flavor', 'metadata', 'tags', 'deletionPolicy', 'recovery', 'powerState'] as const;
/** Fields of a child's spec the pool owns besides the template's. */
type OwnedField = (typeof IN_PLACE_FIELDS)[number] | 'parked';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SUFFIX_LENGTH = 5;

/** A fresh child name, `<pool>-<5 lowercase alphanumerics>` (a DNS label: the pool's name is ≤ 57). */
export function childName(pool: string): string {
    let suffix = '';
    for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += ALPHABET.charAt(randomInt(ALPHABET.length));
    return `${pool}-${suffix}`;
}

/** The hash of the template's replaced fields: children with another hash are outdated. */
export function templateHash(spec: PoolTemplateSpec): string {
    const replaced = Object.fromEntries(REPLACED_FIELDS.map((f) => [f, spec[f]]));
    return createHash('sha256').update(canonicalJson(replaced)).digest('hex').slice(0, 10);
}

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
    if (value !== null && typeof value === 'object') {
        const entries = Object.entries(value as Record<string, unknown>)
            .filter(([, v]) => v !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    return value === undefined ? 'null' : JSON.stringify(value);
}

/** Argo CD's tracking labels and annotations are not copied to children (they would claim them for Git). */
function isArgoKey(key: string): boolean {
    return key.startsWith('argocd.argoproj.io/') || key === 'app.kubernetes.io/instance';
}

/** The labels every child carries: the template's, less Argo CD's tracking, plus the pool label. */
export function childLabels(pool: ElasticPool): Record<string, string> {
    const labels = pool.spec.template.metadata?.labels ?? {};
    const kept = Object.entries(labels).filter(([k]) => !isArgoKey(k));
    return { ...Object.fromEntries(kept), [POOL_LABEL]: pool.metadata?.name ?? '' };
}

/** The annotations every child carries: the template's, less Argo CD's and kubectl's. */
export function childAnnotations(pool: ElasticPool): Record<string, string> {
    const annotations = pool.spec.template.metadata?.annotations ?? {};
    const dropped = (k: string) =>
        isArgoKey(k) ||
        k === 'kubectl.kubernetes.io/last-applied-configuration' ||
        k === TEMPLATE_HASH_ANNOTATION;
    return Object.fromEntries(Object.entries(annotations).filter(([k]) => !dropped(k)));
}

/** The powerState a running (not parked) child has: the template's, Running by default. */
function runningPowerState(pool: ElasticPool): NonNullable<ChildSpec['powerState']> {
    return pool.spec.template.spec.powerState ?? 'Running';
}

/** A new child of `pool`, parked or not, named `name`. */
export function newChild(pool: ElasticPool, name: string, hash: string): Child {
    const meta = pool.metadata ?? {};
    return {
        apiVersion: 'bascule.io/v1alpha1',
        kind: 'VirtualMachine',
        metadata: {
            name,
            namespace: meta.namespace ?? '',
            labels: childLabels(pool),
            annotations: { ...childAnnotations(pool), [TEMPLATE_HASH_ANNOTATION]: hash },
            ownerReferences: [
                {
                    apiVersion: pool.apiVersion ?? 'bascule.io/v1alpha1',
                    kind: pool.kind ?? 'ElasticPool',
                    name: meta.name ?? '',
                    uid: meta.uid ?? '',
                    controller: true,
                    blockOwnerDeletion: true,
                },
            ],
        },
        spec: {
            ...structuredClone(pool.spec.template.spec),
            tenant: pool.spec.tenant,
            powerState: runningPowerState(pool),
        },
    };
}

/** Whether `child` is controlled by `pool` (matched by UID, so a recreated pool disowns old ones). */
export function controlledBy(child: Child, pool: ElasticPool): boolean {
    const owner = controllerOf(child);
    return owner !== undefined && owner.uid === pool.metadata?.uid;
}

/** Whether the child's Ready condition is True for its current generation. */
export function childReady(child: Child): boolean {
    const conditions: Condition[] = child.status?.conditions ?? [];
    const ready = conditions.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') return false;
    const generation = child.metadata?.generation;
    return ready.observedGeneration === undefined || ready.observedGeneration === generation;
}

/**
 * Whether the child's build found no host and its server is gone (the machine deleted it and waits):
 * the pool removes it and asks the capacity gate again before replacing it.
 */
export function foundNoHost(child: Child): boolean {
    if (child.spec.parked === true || child.status?.serverID !== undefined) return false;
    const ready = child.status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.status === 'False' && ready.reason === 'NoCapacity';
}

/** The child as rule 6's victim choice sees it. */
export function describe(child: Child): ReplicaDescriptor {
    const state = child.spec.parked === true ? 'Parked' : childReady(child) ? 'Ready' : 'NotReady';
    const createdAtMs = Date.parse(String(child.metadata?.creationTimestamp ?? '')) || 0;
    return { name: child.metadata?.name ?? '', state, createdAtMs };
}

/** One JSON Patch operation. */
export interface PatchOp {
    op: 'add' | 'remove';
    path: string;
    value?: unknown;
}

/**
 * The JSON Patch that brings `child`'s pool-owned fields to what the template and `parked` say:
 * the in-place fields of the spec, the parking marker with its powerState, and the template's
 * labels and annotations (added or updated; one removed from the template stays on old children).
 * Empty when nothing differs.
 */
export function childPatch(child: Child, pool: ElasticPool, parked: boolean): PatchOp[] {
    const template = pool.spec.template.spec;
    const wanted: Partial<Record<OwnedField, unknown>> = {};
    for (const field of IN_PLACE_FIELDS) wanted[field] = template[field];
    wanted.powerState = parked ? 'Shelved' : runningPowerState(pool);
    wanted.parked = parked ? true : undefined;

    const ops: PatchOp[] = [];
    for (const [field, value] of Object.entries(wanted)) {
        const current = (child.spec as unknown as Record<string, unknown>)[field];
        if (sameValue(field, current, value)) continue;
        ops.push(
            value === undefined
                ? { op: 'remove', path: `/spec/${field}` }
                : { op: 'add', path: `/spec/${field}`, value },
        );
    }
    ops.push(...metadataOps(child.metadata?.labels, childLabels(pool), 'labels'));
    ops.push(...metadataOps(child.metadata?.annotations, childAnnotations(pool), 'annotations'));
    return ops;
}

/** Equal, counting the VirtualMachine schema's defaults (parked false, recovery's Report). */
function sameValue(field: string, current: unknown, wanted: unknown): boolean {
    if (field === 'parked') return (current === true) === (wanted === true);
    return isDeepStrictEqual(current, wanted);
}

function metadataOps(
    current: Record<string, string> | undefined,
    wanted: Record<string, string>,
    kind: string,
) {
    const missing = Object.entries(wanted).filter(([k, v]) => current?.[k] !== v);
    if (missing.length === 0) return [];
    // One op for the whole map: JSON Pointer escaping of "/" in keys is avoidable this way.
    return [{ op: 'add' as const, path: `/metadata/${kind}`, value: { ...current, ...wanted } }];
}
