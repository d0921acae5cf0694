// `make sim`: starts the simulator in the foreground and writes .local/clouds.yaml.
import { parseArgs } from './args.ts';
import { writeCloudsYaml } from './clouds-yaml.ts';
import { startSimulator } from './server.ts';

async function main(): Promise<void> {
    const config = parseArgs(process.argv.slice(2));
    const sim = await startSimulator(config);
    const path = writeCloudsYaml(config, sim.url);

    const servers = sim.world.servers.size;
    console.log(
        `openstack-sim listening on ${sim.url} (${sim.world.hosts.length} hosts, ${servers} servers)`,
    );
    console.log(
        `clouds.yaml written to ${path}: openstack --os-cloud ${config.cloudName} server list --all-projects`,
    );

    const shutdown = () => {
        void sim.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
