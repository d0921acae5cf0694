import { parseArgs } from 'node:util';

/** Log levels, most to least severe, as winston's npm levels name them. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'verbose', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A host and port to listen on; an empty host means every interface. */
export interface BindAddress {
    host: string;
    port: number;
}

/** The operator's whole configuration, resolved from flags and environment. */
export interface OperatorConfig {
    /** Path to a kubeconfig; undefined means in-cluster or the default lookup. */
    kubeconfig: string | undefined;
    leaderElect: boolean;
    leaderElectionNamespace: string;
    leaderElectionId: string;
    /** Undefined when metrics serving is disabled with `0`. */
    metricsBindAddress: BindAddress | undefined;
    healthProbeBindAddress: BindAddress | undefined;
    cloudsYaml: string | undefined;
    cloud: string | undefined;
    /** Watched namespaces; empty means all namespaces. */
    namespaces: string[];
    workers: number;
    /** Overall reconcile rate across all keys, per second, and its burst. */
    queueQps: number;
    queueBurst: number;
    /** Cloud API request rate, per second, and its burst. */
    cloudQps: number;
    cloudBurst: number;
    logLevel: LogLevel;
}

/** A configuration mistake; its message is the one line printed before exiting. */
export class ConfigError extends Error {
    override name = 'ConfigError';
}

const OPTIONS = {
    kubeconfig: { type: 'string' },
    'leader-elect': { type: 'boolean' },
    'leader-election-namespace': { type: 'string' },
    'leader-election-id': { type: 'string' },
    'metrics-bind-address': { type: 'string' },
    'health-probe-bind-address': { type: 'string' },
    'clouds-yaml': { type: 'string' },
    cloud: { type: 'string' },
    namespaces: { type: 'string' },
    workers: { type: 'string' },
    'queue-qps': { type: 'string' },
    'queue-burst': { type: 'string' },
    'cloud-qps': { type: 'string' },
    'cloud-burst': { type: 'string' },
    'log-level': { type: 'string' },
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Resolves the configuration from command-line flags and the environment. Flags win over the
 * environment. Pure: it reads only its arguments. Throws ConfigError with one clear line on any
 * unknown flag or invalid value.
 */
export function parseConfig(argv: readonly string[], env: Env): OperatorConfig {
    const values = parseFlags(argv);

    return {
        kubeconfig: values.kubeconfig ?? nonEmpty(env.KUBECONFIG),
        leaderElect: values['leader-elect'] ?? false,
        leaderElectionNamespace:
            values['leader-election-namespace'] ?? nonEmpty(env.POD_NAMESPACE) ?? 'bascule-system',
        leaderElectionId: values['leader-election-id'] ?? 'bascule-leader',
        metricsBindAddress: parseBind(
            '--metrics-bind-address',
            values['metrics-bind-address'] ?? '127.0.0.1:8080',
        ),
        healthProbeBindAddress: parseBind(
            '--health-probe-bind-address',
            values['health-probe-bind-address'] ?? ':8081',
        ),
        cloudsYaml: values['clouds-yaml'] ?? nonEmpty(env.OS_CLIENT_CONFIG_FILE),
        cloud: values.cloud ?? nonEmpty(env.OS_CLOUD),
        namespaces: parseList(values.namespaces ?? env.WATCH_NAMESPACES ?? ''),
        workers: parseNumber('--workers', values.workers ?? '4', { integer: true, min: 1, max: 256 }),
        queueQps: parseNumber('--queue-qps', values['queue-qps'] ?? '10', { min: 0.01 }),
        queueBurst: parseNumber('--queue-burst', values['queue-burst'] ?? '100', { integer: true, min: 1 }),
        cloudQps: parseNumber('--cloud-qps', values['cloud-qps'] ?? '10', { min: 0.01 }),
        cloudBurst: parseNumber('--cloud-burst', values['cloud-burst'] ?? '20', { integer: true, min: 1 }),
        logLevel: parseLogLevel(values['log-level'] ?? env.LOG_LEVEL ?? 'info'),
    };
}

function parseFlags(argv: readonly string[]) {
    try {
        return parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
    } catch (err) {
        // parseArgs already words its errors for people ("Unknown option '--x'").
        throw new ConfigError(err instanceof Error ? err.message : String(err));
    }
}

function nonEmpty(value: string | undefined): string | undefined {
    return value === undefined || value === '' ? undefined : value;
}

function parseList(value: string): string[] {
    return value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
}

/** `0` disables the server, as controller-runtime's flags do. */
function parseBind(flag: string, value: string): BindAddress | undefined {
    if (value === '0') return undefined;

    const match = /^(\[[0-9a-fA-F:]+\]|[^:]*):(\d{1,5})$/.exec(value);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port > 65535) {
        throw new ConfigError(`${flag} must be host:port or :port (or 0 to disable), got '${value}'`);
    }
    return { host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port };
}

interface NumberRule {
    integer?: boolean;
    min: number;
    max?: number;
}

function parseNumber(flag: string, value: string, rule: NumberRule): number {
    const parsed = value.trim() === '' ? NaN : Number(value);
    const kind = rule.integer ? 'an integer' : 'a number';
    const valid =
        Number.isFinite(parsed) &&
        (!rule.integer || Number.isInteger(parsed)) &&
        parsed >= rule.min &&
        (rule.max === undefined || parsed <= rule.max);
    if (!valid) {
        const range = rule.max === undefined ? `>= ${rule.min}` : `in [${rule.min}, ${rule.max}]`;
        throw new ConfigError(`${flag} must be ${kind} ${range}, got '${value}'`);
    }
    return parsed;
}

function parseLogLevel(value: string): LogLevel {
    const level = LOG_LEVELS.find((known) => known === value);
    if (level === undefined) {
        throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${value}'`);
    }
    return level;
}
