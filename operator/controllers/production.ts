import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

import type { Cloud } from '../cloud.ts';
import { realClock } from '../runtime/clock.ts';
import type { OperatorConfig } from '../runtime/config.ts';
import type { Logger } from '../runtime/logging.ts';
import type { Manager } from '../runtime/manager.ts';
import type { RegisterDeps } from './register.ts';
import { AuditWriter } from './shared/audit.ts';
import { ControllerMetrics } from './shared/metrics.ts';
import { fileSecretSource, kubeSecretSource } from './shared/secrets.ts';
import { PRODUCTION_RECONCILE_SETTINGS } from './shared/settings.ts';

/** The bulk server observation's production interval. */
export const PRODUCTION_POLL_INTERVAL_MS = 5_000;

/**
 * The controllers' dependencies as the operator runs them, with the installation ID of the parsed
 * configuration (`--installation-id`) and Secrets from the API server or, with `--secrets-dir`,
 * from files.
 */
export function controllerDeps(
    config: Pick<OperatorConfig, 'installationId' | 'secretsDir'>,
    cloud: Cloud,
    manager: Manager,
    kubeConfig: KubeConfig,
    log: Logger,
) {
    const deps: RegisterDeps = {
        cloud,
        installationId: config.installationId,
        // One settle window for the client and the reconcilers.
        settings: { ...PRODUCTION_RECONCILE_SETTINGS, settleWindowMs: cloud.client.settings.settleWindowMs },
        metrics: new ControllerMetrics(manager.metrics.registry),
        audit: new AuditWriter(log),
        clock: realClock,
        kubeConfig,
        events: manager.events,
        log,
        pollIntervalMs: PRODUCTION_POLL_INTERVAL_MS,
        secrets:
            config.secretsDir === undefined
                ? kubeSecretSource(kubeConfig.makeApiClient(CoreV1Api))
                : fileSecretSource(config.secretsDir),
    };
    return deps;
}
