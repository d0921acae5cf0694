import { quantityToMiB } from './quantity.ts';

/** Compute resources as quotas and usage count them. */
export interface Resources {
    instances: number;
    cores: number;
    ramMiB: number;
}

/** A spec's resource block (RAM as a quantity). */
export interface ResourceSpec {
    instances?: number;
    cores?: number;
    ram?: string | number;
}

export function fromSpec(spec: ResourceSpec | undefined): Resources {
    return { instances: spec?.instances ?? 0, cores: spec?.cores ?? 0, ramMiB: quantityToMiB(spec?.ram) };
}

export function maxOf(a: Resources, b: Resources): Resources {
    return {
        instances: Math.max(a.instances, b.instances),
        cores: Math.max(a.cores, b.cores),
        ramMiB: Math.max(a.ramMiB, b.ramMiB),
    };
}

export function sameResources(a: Resources | undefined, b: Resources | undefined): boolean {
    if (a === undefined || b === undefined) return false;
    return a.instances === b.instances && a.cores === b.cores && a.ramMiB === b.ramMiB;
}
