import { auditRequestIds } from './controllers/shared/audit.ts';
import { CloudClient, type CloudClientDeps } from './openstack/cloud-client.ts';
import { describeCloud, loadCloud, type CloudConfig } from './openstack/clouds.ts';
import { OpenStackError } from './openstack/errors.ts';
import { allObservers, type CallObserver } from './openstack/http.ts';
import { KeystoneAdmin } from './openstack/keystone-admin.ts';
import { Nova } from './openstack/nova.ts';
import { Placement } from './openstack/placement.ts';
import { References } from './openstack/references.ts';
import { checkCloud } from './openstack/selfcheck.ts';
import { CLIENT_PROFILES, type ClientSettings } from './openstack/settings.ts';
import type { OperatorConfig } from './runtime/config.ts';
import type { Logger } from './runtime/logging.ts';
import type { CloudRequestObserver } from './runtime/metrics.ts';

/** The cloud as reconcilers use it: one client, and its typed calls at the negotiated microversion. */
export interface Cloud {
    config: CloudConfig;
    client: CloudClient;
    keystone: KeystoneAdmin;
    nova: Nova;
    placement: Placement;
    references: References;
}

/** The cloud cannot be served, or was not reached at start; the message is one line, free of secrets. */
export class CloudRefusedError extends Error {
    override name = 'CloudRefusedError';
}

export interface ConnectOptions {
    config: Pick<OperatorConfig, 'cloudsYaml' | 'cloud' | 'cloudQps' | 'cloudBurst'> &
        Partial<Pick<OperatorConfig, 'settingsProfile' | 'settleWindowMs'>>;
    log: Logger;
    /** The runtime's metrics; every attempt of every call is recorded there. */
    metrics: CloudRequestObserver;
    /** Read at each call; every in-flight call aborts when the signal does (lost or released lease). */
    leadership: () => AbortSignal;
    /** Overrides the profile's settings (tests); the rate limit flags, when given, win over both. */
    settings?: ClientSettings;
    /** Extra client dependencies for tests (fetch, clock). */
    deps?: Pick<CloudClientDeps, 'fetch' | 'clock'>;
}

/** The cloud named by `--clouds-yaml` and `--cloud` (or OS_CLOUD); throws CloudConfigError. */
export function loadConfiguredCloud(config: ConnectOptions['config']): CloudConfig {
    return loadCloud({ path: config.cloudsYaml, cloud: config.cloud });
}

/** Feeds the client's call events into the runtime's cloud metrics. */
export function metricsObserver(metrics: CloudRequestObserver): CallObserver {
    return {
        onCall: (event) => {
            metrics.request(event.service, event.operation, event.code, event.seconds);
            metrics.throttled(event.priority, event.throttleWaitSeconds);
        },
    };
}

/** The profile's client settings (production by default), with the rate limit and settle window flags. */
export function clientSettings(opts: Pick<ConnectOptions, 'config' | 'settings'>): ClientSettings {
    const settings = opts.settings ?? CLIENT_PROFILES[opts.config.settingsProfile ?? 'production'];
    const { cloudQps, cloudBurst, settleWindowMs } = opts.config;
    return {
        ...settings,
        ...(cloudQps === undefined ? {} : { rateLimitQps: cloudQps }),
        ...(cloudBurst === undefined ? {} : { rateLimitBurst: cloudBurst }),
        ...(settleWindowMs === undefined ? {} : { settleWindowMs }),
    };
}

/**
 * Builds the client of `cloud` and runs the start-up self-check: each missing permission is logged
 * on one line and the operator goes on (the calls needing it fail as PolicyForbidden and retry
 * slowly); a cloud that cannot be served, or cannot be reached or authenticated to, is refused with
 * a CloudRefusedError whose message is one line.
 */
export async function connectCloud(cloud: CloudConfig, opts: ConnectOptions): Promise<Cloud> {
    const client = new CloudClient({
        ...opts.deps,
        cloud,
        settings: clientSettings(opts),
        observer: allObservers(metricsObserver(opts.metrics), auditRequestIds),
        leadership: opts.leadership,
    });

    const check = await checkCloud(client).catch((err: unknown) => {
        if (!(err instanceof OpenStackError)) throw err;
        throw new CloudRefusedError(`cloud "${cloud.name}" not usable at start: ${err.message}`);
    });
    for (const permission of check.missing) {
        opts.log.warn('Cloud permission missing', { cloud: cloud.name, permission });
    }
    if (check.microversion === undefined || check.fatal.length > 0) {
        throw new CloudRefusedError(`cloud "${cloud.name}" refused: ${check.fatal.join('; ')}`);
    }

    opts.log.info('Cloud connected', { ...describeCloud(cloud), microversion: check.microversion });
    return {
        config: cloud,
        client,
        keystone: new KeystoneAdmin(client),
        nova: new Nova(client, check.microversion),
        placement: new Placement(client),
        references: new References(client),
    };
}
