import type { ControllerRegistration } from '../../runtime/manager.ts';
import { kubeObjectClient } from '../shared/kube-objects.ts';
import { kindReconciler, type WiringDeps } from '../shared/wiring.ts';
import { TENANTS } from '../tenant/types.ts';
import { VirtualMachineActuator } from './actuator.ts';
import { VIRTUAL_MACHINES, VM_FINALIZER, type VirtualMachine, type VirtualMachineStatus } from './types.ts';

/** The VirtualMachine controller's registration, and its actuator (for the bulk observation's index). */
export function virtualMachineController(deps: WiringDeps): {
    registration: ControllerRegistration;
    actuator: VirtualMachineActuator;
} {
    // NOTE: Tenants are read live (one GET per reconcile) rather than from a shared informer, which
    // the manager does not expose across controllers yet.
    const actuator = new VirtualMachineActuator(deps, kubeObjectClient(deps.kubeConfig, TENANTS));
    const kind = { name: 'virtualmachine', resource: VIRTUAL_MACHINES, finalizer: VM_FINALIZER };
    const reconciler = kindReconciler<VirtualMachine, VirtualMachineStatus>(deps, kind, actuator);
    return {
        registration: { name: kind.name, resource: VIRTUAL_MACHINES, clusterScoped: false, reconciler },
        actuator,
    };
}
