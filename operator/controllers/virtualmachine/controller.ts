import type { ControllerRegistration } from '../../runtime/manager.ts';
import { kubeObjectClient } from '../shared/kube-objects.ts';
import type { PolicyReport } from '../shared/policy-report.ts';
import { kindReconciler, type WiringDeps } from '../shared/wiring.ts';
import { TENANTS } from '../tenant/types.ts';
import { VirtualMachineActuator } from './actuator.ts';
import { TenantCache, type TenantInformer } from './tenant-cache.ts';
import { VIRTUAL_MACHINES, VM_FINALIZER, type VirtualMachine, type VirtualMachineStatus } from './types.ts';

/**
 * The VirtualMachine controller's registration, and its actuator (for the bulk observation's index).
 * Call before the manager starts: the machines follow the Tenant controller's informer.
 */
export function virtualMachineController(
    deps: WiringDeps,
    tenantInformer: TenantInformer,
    policy: PolicyReport,
): {
    registration: ControllerRegistration;
    actuator: VirtualMachineActuator;
} {
    // Tenants come from the Tenant controller's informer (live only before its first list).
    const tenants = new TenantCache(tenantInformer, kubeObjectClient(deps.kubeConfig, TENANTS));
    const actuator = new VirtualMachineActuator(deps, tenants, policy);
    const kind = { name: 'virtualmachine', resource: VIRTUAL_MACHINES, finalizer: VM_FINALIZER };
    const reconciler = kindReconciler<VirtualMachine, VirtualMachineStatus>(deps, kind, actuator);
    return {
        registration: { name: kind.name, resource: VIRTUAL_MACHINES, clusterScoped: false, reconciler },
        actuator,
    };
}
