import { KubeConfig } from '@kubernetes/client-node';

import { CloudRefusedError, connectCloud, loadConfiguredCloud } from './cloud.ts';
import { controllerDeps } from './controllers/production.ts';
import { registerControllers } from './controllers/register.ts';
import { CloudConfigError, type CloudConfig } from './openstack/clouds.ts';
import { ConfigError, parseConfig, usage, wantsHelp, type OperatorConfig } from './runtime/config.ts';
import { createLogger, errorFields } from './runtime/logging.ts';
import { Manager } from './runtime/manager.ts';
import { PooledKubeConfig } from './runtime/kube-config.ts';

/**
 * Exit codes: 0 after a graceful stop; 1 on a runtime failure, a lost lease or a cloud refused at
 * start; 2 on bad configuration (flags, environment, clouds.yaml).
 */
const EXIT_FAILURE = 1;
const EXIT_BAD_CONFIG = 2;

/** Prints one line and exits when `load` throws one of the `expected` errors. */
function orExit<T>(load: () => T, expected: (new (message: string) => Error)[], code: number): T {
    try {
        return load();
    } catch (err) {
        if (!expected.some((kind) => err instanceof kind)) throw err;
        process.stderr.write(`bascule: ${(err as Error).message}\n`);
        process.exit(code);
    }
}

function loadConfig(): { config: OperatorConfig; cloud: CloudConfig } {
    if (wantsHelp(process.argv.slice(2))) {
        process.stdout.write(usage());
        process.exit(0);
    }
    const config = orExit(
        () => parseConfig(process.argv.slice(2), process.env),
        [ConfigError],
        EXIT_BAD_CONFIG,
    );
    const cloud = orExit(() => loadConfiguredCloud(config), [CloudConfigError], EXIT_BAD_CONFIG);
    return { config, cloud };
}

function loadKubeConfig(path: string | undefined): KubeConfig {
    const kc = new PooledKubeConfig();
    if (path === undefined) kc.loadFromDefault();
    else kc.loadFromFile(path);
    return kc;
}

async function main(): Promise<void> {
    const { config, cloud } = loadConfig();
    const log = createLogger(config.logLevel);
    const kubeConfig = loadKubeConfig(config.kubeconfig);

    const manager: Manager = new Manager({
        config,
        kubeConfig,
        log,
        onLeadershipLost: () => void shutdown(EXIT_FAILURE),
    });

    // The runtime's timers never hold the process open (so tests end cleanly); this does, until shutdown.
    const keepAlive = setInterval(() => undefined, 60_000);
    let exiting = false;
    async function shutdown(code: number): Promise<void> {
        if (exiting) return;
        exiting = true;
        await manager.stop();
        clearInterval(keepAlive);
        process.exit(code);
    }
    process.once('SIGTERM', () => void shutdown(0));
    process.once('SIGINT', () => void shutdown(0));

    // Probes answer during the self-check, which a slow cloud stretches; readiness waits for it.
    let cloudChecked = false;
    manager.addReadyCheck('cloud', () => (cloudChecked ? undefined : 'self-check not passed'));
    await manager.serve();

    const leadership = () => manager.cloudSignal();
    const connected = await connectCloud(cloud, {
        config,
        log,
        metrics: manager.metrics.cloudObserver(),
        leadership,
    });
    cloudChecked = true;
    registerControllers(manager, controllerDeps(config, connected, manager, kubeConfig, log));
    // NOTE: the ElasticPool reconciler registers here too once it exists.
    await manager.start();
}

main().catch((err: unknown) => {
    // A CA file that cannot be read is found only when the client is built.
    const oneLine = err instanceof CloudRefusedError || err instanceof CloudConfigError;
    process.stderr.write(`bascule: ${oneLine ? err.message : JSON.stringify(errorFields(err))}\n`);
    process.exit(err instanceof CloudConfigError ? EXIT_BAD_CONFIG : EXIT_FAILURE);
});
