import { parseArgs } from 'node:util';

/** Log levels, most to least severe, as winston's npm levels name them. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'verbose', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Named sets of timings and limits: a shared production cloud, the embedded demo, or test suites. */
export const SETTINGS_PROFILES = ['production', 'demo', 'test'] as const;
export type SettingsProfile = (typeof SETTINGS_PROFILES)[number];

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
    /** Cloud API request rate, per second, and its burst; undefined means the profile's value. */
    cloudQps: number | undefined;
    cloudBurst: number | undefined;
    logLevel: LogLevel;
    /** Which named timings the cloud client and the runtime use. */
    settingsProfile: SettingsProfile;
    /**
     * Tags every project and server this installation creates; it must stay the same for the life
     * of an installation, and differ between installations sharing a cloud.
     */
    installationId: string;
    /**
     * Where Secrets are read from files (`<dir>/<namespace>/<name>/<key>`) instead of the API
     * server: for a local API server, which serves no Secrets. Absent: the API server.
     */
    secretsDir?: string;
    /** Overrides the settings profile's settle window after an ambiguous create (tests, soaks). */
    settleWindowMs?: number;
    /** Overrides the bulk server observation's interval (production: 5 s). */
    pollIntervalMs?: number;
    /**
     * Serve only objects carrying all these labels (others are left untouched, without a finalizer);
     * absent: all. For operators sharing an API server, as test runs do.
     */
    objectSelector?: Record<string, string>;
    /** Placement aggregates (UUIDs) whose hosts capacity arbitration divides; empty: every host. */
    capacityAggregates: string[];
    /** The arbiter writes its decisions as Events only, and grants nothing. */
    arbiterDryRun: boolean;
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
    'settings-profile': { type: 'string' },
    'installation-id': { type: 'string' },
    'secrets-dir': { type: 'string' },
    'settle-window-ms': { type: 'string' },
    'poll-interval-ms': { type: 'string' },
    'object-selector': { type: 'string' },
    'capacity-aggregates': { type: 'string' },
    'arbiter-dry-run': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
} as const;

const HELP: Record<keyof typeof OPTIONS, string> = {
    kubeconfig: 'path to a kubeconfig (env KUBECONFIG; default: in-cluster or ~/.kube/config)',
    'leader-elect': 'elect a leader on a Lease; only the leader reconciles (default: off)',
    'leader-election-namespace': "the Lease's namespace (env POD_NAMESPACE; default: bascule-system)",
    'leader-election-id': "the Lease's name (default: bascule-leader)",
    'metrics-bind-address': 'host:port for /metrics, 0 to disable (default: 127.0.0.1:8080)',
    'health-probe-bind-address': 'host:port for /healthz and /readyz, 0 to disable (default: :8081)',
    'clouds-yaml': 'path to clouds.yaml (env OS_CLIENT_CONFIG_FILE; default: the openstacksdk lookup)',
    cloud: 'the cloud to use in clouds.yaml (env OS_CLOUD)',
    namespaces: 'comma-separated namespaces to watch (env WATCH_NAMESPACES; default: all)',
    workers: 'concurrent reconciles per controller (default: 4)',
    'queue-qps': 'reconciles per second across all keys (default: 10)',
    'queue-burst': 'reconcile burst (default: 100)',
    'cloud-qps': "cloud API calls per second (default: the settings profile's)",
    'cloud-burst': "cloud API call burst (default: the settings profile's)",
    'log-level': `one of ${LOG_LEVELS.join(', ')} (env LOG_LEVEL; default: info)`,
    'settings-profile': 'production, demo or test (env BASCULE_SETTINGS_PROFILE; default: production)',
    'installation-id': 'tags its cloud projects and servers (env BASCULE_INSTALLATION_ID; default: default)',
    'secrets-dir': 'read Secrets from <dir>/<namespace>/<name>/<key> (default: from the API server)',
    'settle-window-ms': "settle window after an ambiguous create (default: the settings profile's)",
    'poll-interval-ms': 'interval of the all-projects server observation (default: 5000)',
    'object-selector': 'serve only objects labelled key=value[,key=value] (default: all objects)',
    'capacity-aggregates': 'comma-separated Placement aggregates whose hosts are arbitrated (default: all)',
    'arbiter-dry-run': 'write capacity decisions as Events only; grant nothing (default: off)',
    help: 'print this help and exit',
};

/** Whether `argv` asks for the help text; checked before parsing, so other mistakes don't hide it. */
export function wantsHelp(argv: readonly string[]): boolean {
    return argv.includes('--help') || argv.includes('-h');
}

/** The flags, one line each, as `--help` prints them. */
export function usage(): string {
    const names = Object.keys(HELP) as (keyof typeof OPTIONS)[];
    const width = Math.max(...names.map((name) => name.length)) + 4;
    const lines = names.map((name) => `  --${name.padEnd(width)}${HELP[name]}`);
    return ['Usage: npm start -- [flags]', '', ...lines, ''].join('\n');
}

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
        cloudQps: optionalNumber('--cloud-qps', values['cloud-qps'], { min: 0.01 }),
        cloudBurst: optionalNumber('--cloud-burst', values['cloud-burst'], { integer: true, min: 1 }),
        logLevel: parseLogLevel(values['log-level'] ?? env.LOG_LEVEL ?? 'info'),
        settingsProfile: parseProfile(
            values['settings-profile'] ?? nonEmpty(env.BASCULE_SETTINGS_PROFILE) ?? 'production',
        ),
        installationId: parseInstallationId(
            values['installation-id'] ?? nonEmpty(env.BASCULE_INSTALLATION_ID) ?? 'default',
        ),
        secretsDir: values['secrets-dir'],
        settleWindowMs: optionalNumber('--settle-window-ms', values['settle-window-ms'], {
            integer: true,
            min: 1,
        }),
        pollIntervalMs: optionalNumber('--poll-interval-ms', values['poll-interval-ms'], {
            integer: true,
            min: 10,
        }),
        objectSelector: optionalSelector(values['object-selector']),
        capacityAggregates: parseList(values['capacity-aggregates'] ?? ''),
        arbiterDryRun: values['arbiter-dry-run'] ?? false,
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

function optionalNumber(flag: string, value: string | undefined, rule: NumberRule): number | undefined {
    return value === undefined ? undefined : parseNumber(flag, value, rule);
}

/** Label equalities, `key=value` separated by commas. */
function optionalSelector(value: string | undefined): Record<string, string> | undefined {
    if (value === undefined) return undefined;
    const selector: Record<string, string> = {};
    for (const term of parseList(value)) {
        const match = /^([A-Za-z0-9._/-]+)=([A-Za-z0-9._-]*)$/.exec(term);
        if (!match) {
            throw new ConfigError(`--object-selector must be key=value[,key=value], got '${value}'`);
        }
        selector[match[1] ?? ''] = match[2] ?? '';
    }
    if (Object.keys(selector).length === 0) {
        throw new ConfigError(`--object-selector must be key=value[,key=value], got '${value}'`);
    }
    return selector;
}

function parseProfile(value: string): SettingsProfile {
    const profile = SETTINGS_PROFILES.find((known) => known === value);
    if (profile === undefined) {
        const known = SETTINGS_PROFILES.join(', ');
        throw new ConfigError(`--settings-profile must be one of ${known}, got '${value}'`);
    }
    return profile;
}

/** Short enough that the installation tag fits Nova's 60-character tags with room to spare. */
const INSTALLATION_ID = /^[a-z0-9-]{1,32}$/;

function parseInstallationId(value: string): string {
    if (!INSTALLATION_ID.test(value)) {
        throw new ConfigError(
            `--installation-id must be 1 to 32 lowercase letters, digits or dashes, got '${value}'`,
        );
    }
    return value;
}

function parseLogLevel(value: string): LogLevel {
    const level = LOG_LEVELS.find((known) => known === value);
    if (level === undefined) {
        throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${value}'`);
    }
    return level;
}
