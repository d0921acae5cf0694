import type { ControllerRegistration } from '../../runtime/manager.ts';
import { kindReconciler, type WiringDeps } from '../shared/wiring.ts';
import { TenantActuator } from './actuator.ts';
import { TENANT_FINALIZER, TENANTS, type Tenant, type TenantStatus } from './types.ts';

/** The Tenant controller's registration for the manager (cluster-scoped). */
export function tenantController(deps: WiringDeps): ControllerRegistration {
    const kind = { name: 'tenant', resource: TENANTS, finalizer: TENANT_FINALIZER };
    return {
        name: kind.name,
        resource: TENANTS,
        clusterScoped: true,
        reconciler: kindReconciler<Tenant, TenantStatus>(deps, kind, new TenantActuator(deps)),
    };
}
