import type { KubeConfig } from '@kubernetes/client-node';

import type { Cloud } from '../cloud.ts';
import { realClock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logging.ts';
import type { Manager } from '../runtime/manager.ts';
import type { RegisterDeps } from './register.ts';
import { AuditWriter } from './shared/audit.ts';
import { ControllerMetrics } from './shared/metrics.ts';
import { PRODUCTION_RECONCILE_SETTINGS } from './shared/settings.ts';

/** The bulk server observation's production interval. */
export const PRODUCTION_POLL_INTERVAL_MS = 5_000;

/**
 * The controllers' dependencies as the operator runs them. The installation ID comes from
 * BASCULE_INSTALLATION_ID (default `default`); it must stay the same for the life of an installation,
 * since every project and server it creates is tagged with it.
 */
export function controllerDeps(cloud: Cloud, manager: Manager, kubeConfig: KubeConfig, log: Logger) {
    const deps: RegisterDeps = {
        cloud,
        installationId: process.env.BASCULE_INSTALLATION_ID ?? 'default',
        // One settle window for the client and the reconcilers.
        settings: { ...PRODUCTION_RECONCILE_SETTINGS, settleWindowMs: cloud.client.settings.settleWindowMs },
        metrics: new ControllerMetrics(manager.metrics.registry),
        audit: new AuditWriter(log),
        clock: realClock,
        kubeConfig,
        events: manager.events,
        log,
        pollIntervalMs: PRODUCTION_POLL_INTERVAL_MS,
    };
    return deps;
}
