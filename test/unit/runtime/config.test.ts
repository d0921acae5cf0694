import { expect } from 'chai';

import {
    ConfigError,
    parseConfig,
    usage,
    wantsHelp,
    type OperatorConfig,
} from '../../../operator/runtime/config.ts';

describe('parseConfig', () => {
    it('should default to loopback metrics, :8081 probes and no leader election', () => {
        const config = parseConfig([], {});

        expect(config.metricsBindAddress).to.deep.equal({ host: '127.0.0.1', port: 8080 });
        expect(config.healthProbeBindAddress).to.deep.equal({ host: '', port: 8081 });
        expect(config.leaderElect).to.equal(false);
        expect(config.namespaces).to.deep.equal([]);
        expect(config.logLevel).to.equal('info');
        expect(config.workers).to.equal(4);
        expect(config.settingsProfile).to.equal('production');
        expect(config.cloudQps).to.equal(undefined);
        expect(config.installationId).to.equal('default');
        expect(config.secretsDir).to.equal(undefined);
        expect(config.settleWindowMs).to.equal(undefined);
        expect(config.pollIntervalMs).to.equal(undefined);
    });

    const accepted: {
        name: string;
        argv: string[];
        env?: Record<string, string>;
        expected: Partial<OperatorConfig>;
    }[] = [
        { name: 'kubeconfig flag', argv: ['--kubeconfig', '/k'], expected: { kubeconfig: '/k' } },
        { name: 'KUBECONFIG env', argv: [], env: { KUBECONFIG: '/e' }, expected: { kubeconfig: '/e' } },
        {
            name: 'flag over env',
            argv: ['--kubeconfig=/f'],
            env: { KUBECONFIG: '/e' },
            expected: { kubeconfig: '/f' },
        },
        { name: 'leader election', argv: ['--leader-elect'], expected: { leaderElect: true } },
        { name: 'OS_CLOUD', argv: [], env: { OS_CLOUD: 'gov' }, expected: { cloud: 'gov' } },
        {
            name: 'clouds.yaml and cloud flags',
            argv: ['--clouds-yaml', '/c.yaml', '--cloud', 'x'],
            expected: { cloudsYaml: '/c.yaml', cloud: 'x' },
        },
        {
            name: 'namespace list with spaces and empties',
            argv: ['--namespaces', ' a, b,,c '],
            expected: { namespaces: ['a', 'b', 'c'] },
        },
        {
            name: 'disabled metrics',
            argv: ['--metrics-bind-address=0'],
            expected: { metricsBindAddress: undefined },
        },
        {
            name: 'IPv6 bind address',
            argv: ['--metrics-bind-address=[::1]:9090'],
            expected: { metricsBindAddress: { host: '::1', port: 9090 } },
        },
        { name: 'workers', argv: ['--workers', '16'], expected: { workers: 16 } },
        { name: 'fractional qps', argv: ['--cloud-qps', '0.5'], expected: { cloudQps: 0.5 } },
        { name: 'log level env', argv: [], env: { LOG_LEVEL: 'debug' }, expected: { logLevel: 'debug' } },
        {
            name: 'a settings profile',
            argv: ['--settings-profile=demo'],
            expected: { settingsProfile: 'demo' },
        },
        {
            name: 'BASCULE_SETTINGS_PROFILE',
            argv: [],
            env: { BASCULE_SETTINGS_PROFILE: 'test' },
            expected: { settingsProfile: 'test' },
        },
        {
            name: 'the profile flag over its env',
            argv: ['--settings-profile', 'production'],
            env: { BASCULE_SETTINGS_PROFILE: 'test' },
            expected: { settingsProfile: 'production' },
        },
        {
            name: 'an installation ID',
            argv: ['--installation-id', 'eu-west-2'],
            expected: { installationId: 'eu-west-2' },
        },
        {
            name: 'BASCULE_INSTALLATION_ID',
            argv: [],
            env: { BASCULE_INSTALLATION_ID: 'prod1' },
            expected: { installationId: 'prod1' },
        },
        {
            name: 'the installation ID flag over its env',
            argv: ['--installation-id=blue'],
            env: { BASCULE_INSTALLATION_ID: 'green' },
            expected: { installationId: 'blue' },
        },
        {
            name: 'an installation ID of 32 characters',
            argv: ['--installation-id', 'a'.repeat(32)],
            expected: { installationId: 'a'.repeat(32) },
        },
        {
            name: 'Secrets from files, for a local API server',
            argv: ['--secrets-dir', '.local/secrets'],
            expected: { secretsDir: '.local/secrets' },
        },
        {
            name: 'a settle window and an observation interval',
            argv: ['--settle-window-ms', '4000', '--poll-interval-ms=250'],
            expected: { settleWindowMs: 4000, pollIntervalMs: 250 },
        },
        {
            name: 'an object selector',
            argv: ['--object-selector', 'bascule.io/test-run=r1, tier=a'],
            expected: { objectSelector: { 'bascule.io/test-run': 'r1', tier: 'a' } },
        },
    ];

    for (const { name, argv, env, expected } of accepted) {
        it(`should accept ${name}`, () => {
            expect(parseConfig(argv, env ?? {})).to.deep.include(expected);
        });
    }

    const rejected: { name: string; argv: string[]; message: RegExp }[] = [
        { name: 'an unknown flag', argv: ['--bogus'], message: /Unknown option '--bogus'/ },
        {
            name: 'zero workers',
            argv: ['--workers', '0'],
            message: /^--workers must be an integer in \[1, 256\]/,
        },
        { name: 'fractional workers', argv: ['--workers=1.5'], message: /^--workers must be an integer/ },
        { name: 'text as qps', argv: ['--queue-qps', 'fast'], message: /^--queue-qps must be a number/ },
        { name: 'empty burst', argv: ['--cloud-burst='], message: /^--cloud-burst must be an integer/ },
        { name: 'a bind without port', argv: ['--metrics-bind-address', 'localhost'], message: /host:port/ },
        { name: 'a port too large', argv: ['--health-probe-bind-address', ':70000'], message: /host:port/ },
        {
            name: 'an unknown log level',
            argv: ['--log-level', 'trace'],
            message: /^--log-level must be one of/,
        },
        { name: 'a positional argument', argv: ['extra'], message: /extra/ },
        {
            name: 'an unknown settings profile',
            argv: ['--settings-profile', 'fast'],
            message: /^--settings-profile must be one of production, demo, test, got 'fast'$/,
        },
        {
            name: 'an installation ID with capitals',
            argv: ['--installation-id', 'Prod'],
            message: /^--installation-id must be 1 to 32 lowercase letters, digits or dashes, got 'Prod'$/,
        },
        { name: 'an installation ID with a dot', argv: ['--installation-id=a.b'], message: /got 'a.b'$/ },
        {
            name: 'an installation ID of 33 characters',
            argv: ['--installation-id', 'a'.repeat(33)],
            message: /^--installation-id must be 1 to 32/,
        },
        { name: 'an empty installation ID', argv: ['--installation-id='], message: /got ''$/ },
        {
            name: 'a zero settle window',
            argv: ['--settle-window-ms', '0'],
            message: /^--settle-window-ms must be an integer >= 1, got '0'$/,
        },
        {
            name: 'an object selector with a set expression',
            argv: ['--object-selector', 'tier in (a,b)'],
            message: /^--object-selector must be key=value\[,key=value\], got 'tier in \(a,b\)'$/,
        },
        { name: 'an empty object selector', argv: ['--object-selector='], message: /^--object-selector/ },
        {
            name: 'an observation interval in seconds',
            argv: ['--poll-interval-ms', '5s'],
            message: /^--poll-interval-ms must be an integer >= 10/,
        },
    ];

    for (const { name, argv, message } of rejected) {
        it(`should reject ${name} with one line`, () => {
            const parse = () => parseConfig(argv, {});

            expect(parse).to.throw(ConfigError, message);
            expect(captureMessage(parse)).not.to.include('\n');
        });
    }
});

describe('usage', () => {
    it('should describe every flag on one line each', () => {
        const lines = usage().trimEnd().split('\n');
        const flags = lines.filter((line) => line.startsWith('  --'));

        expect(flags.map((line) => line.trim().split(/\s+/)[0])).to.include.members([
            '--kubeconfig',
            '--settings-profile',
            '--secrets-dir',
            '--settle-window-ms',
            '--poll-interval-ms',
            '--object-selector',
            '--help',
        ]);
        expect(flags).to.have.length(24);
        for (const line of lines) expect(line.length).to.be.at.most(120);
    });

    it('should be asked for by --help or -h anywhere in the arguments', () => {
        expect(wantsHelp(['--workers', 'many', '--help'])).to.equal(true);
        expect(wantsHelp(['-h'])).to.equal(true);
        expect(wantsHelp(['--leader-elect'])).to.equal(false);
    });
});

function captureMessage(fn: () => unknown): string {
    try {
        fn();
    } catch (err) {
        return err instanceof Error ? err.message : String(err);
    }
    return '';
}
