import { KubeConfig } from '@kubernetes/client-node';

import { ConfigError, parseConfig, type OperatorConfig } from './runtime/config.ts';
import { createLogger, errorFields } from './runtime/logging.ts';
import { Manager } from './runtime/manager.ts';

/** Exit codes: 0 after a graceful stop, 1 on a runtime failure or lost lease, 2 on bad configuration. */
const EXIT_FAILURE = 1;
const EXIT_BAD_CONFIG = 2;

function loadConfig(): OperatorConfig {
    try {
        return parseConfig(process.argv.slice(2), process.env);
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`bascule: ${err.message}\n`);
        process.exit(EXIT_BAD_CONFIG);
    }
}

function loadKubeConfig(path: string | undefined): KubeConfig {
    const kc = new KubeConfig();
    if (path === undefined) kc.loadFromDefault();
    else kc.loadFromFile(path);
    return kc;
}

async function main(): Promise<void> {
    const config = loadConfig();
    const log = createLogger(config.logLevel);
    const kubeConfig = loadKubeConfig(config.kubeconfig);

    const manager: Manager = new Manager({
        config,
        kubeConfig,
        log,
        onLeadershipLost: () => void shutdown(EXIT_FAILURE),
    });
    // NOTE: the per-kind reconcilers (Tenant, VirtualMachine, ElasticPool) register here with
    // manager.add() once they exist; until then the operator runs its runtime only.

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

    await manager.start();
}

main().catch((err: unknown) => {
    process.stderr.write(`bascule: ${JSON.stringify(errorFields(err))}\n`);
    process.exit(EXIT_FAILURE);
});
