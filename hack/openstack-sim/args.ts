// The command line: a YAML file (--config) and flags on top of the defaults.
import { loadConfigFile } from './config-file.ts';
import { defaultConfig, demoHosts, scaleLatencies, type SimConfig } from './config.ts';

const USAGE = `usage: main.ts [--config FILE] [--host ADDR] [--port N] [--public-url URL] [--seed N]
  [--hosts N] [--background-servers N] [--quota-counting default|placement] [--latency-scale F]
  [--clouds-yaml PATH] [--admin-password PW] [--max-microversion 2.N]`;

/** Flags win over the file, which wins over the defaults. */
export function parseArgs(argv: string[]): SimConfig {
    const flags = new Map<string, string>();
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i] ?? '';
        const value = argv[i + 1];
        if (!arg.startsWith('--') || value === undefined) {
            throw new Error(USAGE);
        }
        flags.set(arg.slice(2), value);
        i++;
    }

    const file = flags.get('config');
    const config = file === undefined ? defaultConfig() : loadConfigFile(file, defaultConfig());
    applyFlags(config, flags);
    return config;
}

function applyFlags(config: SimConfig, flags: Map<string, string>): void {
    for (const [name, value] of flags) {
        switch (name) {
            case 'config':
                break;
            case 'host':
                config.host = value;
                break;
            case 'port':
                config.port = Number(value);
                break;
            case 'public-url':
                config.publicUrl = value;
                break;
            case 'seed':
                config.seed = Number(value);
                break;
            case 'hosts':
                config.hosts = [demoHosts(Number(value))];
                break;
            case 'background-servers':
                setBackgroundServers(config, Number(value));
                break;
            case 'quota-counting':
                config.quotaCounting = value === 'placement' ? 'placement' : 'default';
                break;
            case 'latency-scale':
                config.latenciesMs = scaleLatencies(config.latenciesMs, Number(value));
                break;
            case 'clouds-yaml':
                config.cloudsYamlPath = value;
                break;
            case 'admin-password':
                config.adminPassword = value;
                break;
            case 'max-microversion':
                config.maxMicroversion = value;
                break;
            default:
                throw new Error(`unknown flag --${name}\n${USAGE}`);
        }
    }
}

function setBackgroundServers(config: SimConfig, count: number): void {
    for (const project of config.projects) {
        if (project.servers !== undefined) {
            project.servers.count = count;
        }
    }
}
