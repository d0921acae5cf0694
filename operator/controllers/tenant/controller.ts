import type { ControllerRegistration } from '../../runtime/manager.ts';
import type { OrphanReport } from '../shared/orphan-report.ts';
import type { PolicyReport } from '../shared/policy-report.ts';
import { kindReconciler, type WiringDeps } from '../shared/wiring.ts';
import { TenantActuator } from './actuator.ts';
import { TENANT_FINALIZER, TENANTS, type Tenant, type TenantStatus } from './types.ts';

/** The Tenant controller's registration (cluster-scoped), and its actuator (for the sweep). */
export function tenantController(
    deps: WiringDeps,
    orphans: OrphanReport,
    policy: PolicyReport,
): { registration: ControllerRegistration; actuator: TenantActuator } {
    // The arbiter writes status.arbitration; the Tenant controller reads it and never writes it.
    const kind = {
        name: 'tenant',
        resource: TENANTS,
        finalizer: TENANT_FINALIZER,
        foreignStatusFields: ['arbitration'],
    };
    const actuator = new TenantActuator(deps, orphans, policy);
    return {
        registration: {
            name: kind.name,
            resource: TENANTS,
            clusterScoped: true,
            reconciler: kindReconciler<Tenant, TenantStatus>(deps, kind, actuator),
        },
        actuator,
    };
}
