import type { ControllerRegistration } from '../../runtime/manager.ts';
import { kubeObjectClient } from '../shared/kube-objects.ts';
import { kindReconciler, type WiringDeps } from '../shared/wiring.ts';
import { TENANTS } from '../tenant/types.ts';
import { ElasticPoolActuator } from './actuator.ts';
import { kubeChildClient } from './child-client.ts';
import type { CapacityGate } from './gate.ts';
import {
    ARBITER_STATUS_FIELDS,
    ELASTIC_POOLS,
    POOL_FINALIZER,
    POOL_LABEL,
    type ElasticPool,
    type ElasticPoolStatus,
} from './types.ts';

/** The ElasticPool controller's registration, and its actuator. */
export function elasticPoolController(
    deps: WiringDeps,
    gate: CapacityGate,
): { registration: ControllerRegistration; actuator: ElasticPoolActuator } {
    // The arbiter writes the grant fields; the pool controller reads them and never writes them.
    const kind = {
        name: 'elasticpool',
        resource: ELASTIC_POOLS,
        finalizer: POOL_FINALIZER,
        foreignStatusFields: ARBITER_STATUS_FIELDS,
    };
    // NOTE: Tenants are read live, one GET per reconcile, as the VirtualMachine controller does.
    const tenants = kubeObjectClient(deps.kubeConfig, TENANTS);
    const actuator = new ElasticPoolActuator(deps, kubeChildClient(deps.kubeConfig), tenants, gate);
    const reconciler = kindReconciler<ElasticPool, ElasticPoolStatus>(deps, kind, actuator);
    return {
        registration: { name: kind.name, resource: ELASTIC_POOLS, clusterScoped: false, reconciler },
        actuator,
    };
}

/** The key of the pool a child VirtualMachine belongs to, from its pool label; undefined for others. */
export function poolKeyOf(child: {
    metadata?: { namespace?: string; labels?: Record<string, string> };
}): string | undefined {
    const pool = child.metadata?.labels?.[POOL_LABEL];
    const namespace = child.metadata?.namespace;
    return pool === undefined || namespace === undefined ? undefined : `${namespace}/${pool}`;
}

/** Whether the arbiter's grant changed between two versions of a pool (its status writes queue nothing). */
export function grantChanged(now: object, before: object): boolean {
    const granted = (obj: object) => (obj as { status?: { granted?: unknown } }).status?.granted;
    return granted(now) !== granted(before);
}
