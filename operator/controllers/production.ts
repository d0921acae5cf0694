import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

import type { Cloud } from '../cloud.ts';
import { realClock } from '../runtime/clock.ts';
import type { OperatorConfig } from '../runtime/config.ts';
import type { Logger } from '../runtime/logging.ts';
import type { Manager } from '../runtime/manager.ts';
import { ARBITRATION_PROFILES } from './arbitration/settings.ts';
import type { RegisterDeps } from './register.ts';
import { AuditWriter } from './shared/audit.ts';
import type { Writable } from './shared/kube-objects.ts';
import { ControllerMetrics } from './shared/metrics.ts';
import { fileSecretSource, kubeSecretSource } from './shared/secrets.ts';
import {
    DEMO_RECONCILE_SETTINGS,
    PRODUCTION_RECONCILE_SETTINGS,
    TEST_RECONCILE_SETTINGS,
    type ReconcileSettings,
} from './shared/settings.ts';

const RECONCILE_PROFILES: Record<OperatorConfig['settingsProfile'], ReconcileSettings> = {
    production: PRODUCTION_RECONCILE_SETTINGS,
    demo: DEMO_RECONCILE_SETTINGS,
    test: TEST_RECONCILE_SETTINGS,
};

/** The bulk server observation's production interval. */
export const PRODUCTION_POLL_INTERVAL_MS = 5_000;

/**
 * The controllers' dependencies as the operator runs them, with the installation ID of the parsed
 * configuration (`--installation-id`), its observation interval (`--poll-interval-ms`), the objects
 * it serves (`--object-selector`) and Secrets from the API server or, with `--secrets-dir`, from files.
 */
export function controllerDeps(
    config: Pick<
        OperatorConfig,
        | 'installationId'
        | 'secretsDir'
        | 'pollIntervalMs'
        | 'objectSelector'
        | 'settingsProfile'
        | 'capacityAggregates'
        | 'arbiterDryRun'
    >,
    cloud: Cloud,
    manager: Manager,
    kubeConfig: KubeConfig,
    log: Logger,
) {
    const deps: RegisterDeps = {
        cloud,
        installationId: config.installationId,
        // One settle window for the client and the reconcilers.
        settings: {
            ...RECONCILE_PROFILES[config.settingsProfile],
            settleWindowMs: cloud.client.settings.settleWindowMs,
        },
        metrics: new ControllerMetrics(manager.metrics.registry),
        audit: new AuditWriter(log),
        clock: realClock,
        kubeConfig,
        events: manager.events,
        log,
        pollIntervalMs: config.pollIntervalMs ?? PRODUCTION_POLL_INTERVAL_MS,
        ...(config.objectSelector ? { accepts: selected(config.objectSelector) } : {}),
        arbitration: {
            settings: ARBITRATION_PROFILES[config.settingsProfile],
            aggregates: config.capacityAggregates,
            dryRun: config.arbiterDryRun,
        },
        secrets:
            config.secretsDir === undefined
                ? kubeSecretSource(kubeConfig.makeApiClient(CoreV1Api))
                : fileSecretSource(config.secretsDir),
    };
    return deps;
}

/** Whether an object carries every label of `selector`. */
export function selected(selector: Record<string, string>): (obj: Writable) => boolean {
    const wanted = Object.entries(selector);
    return (obj) => wanted.every(([key, value]) => obj.metadata?.labels?.[key] === value);
}
