import type { Cloud } from '../../cloud.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { AuditWriter } from './audit.ts';
import type { ControllerMetrics } from './metrics.ts';
import type { SecretSource } from './secrets.ts';
import type { ReconcileSettings } from './settings.ts';

/** The parts of the cloud the reconcilers call. */
export type CloudApi = Pick<Cloud, 'client' | 'keystone' | 'nova' | 'placement' | 'references'>;

/** What every kind's actuator is built from. */
export interface ActuatorDeps {
    cloud: CloudApi;
    /** This installation's ID, in the tags of everything it creates. */
    installationId: string;
    settings: ReconcileSettings;
    metrics: ControllerMetrics;
    audit: AuditWriter;
    clock: Clock;
    /** Where `secretRef`s are read; absent, a machine that names a Secret waits, saying why. */
    secrets?: SecretSource;
}

/** The Keystone role Bascule's user holds on every tenant project. */
export const MEMBER_ROLE = 'member';
