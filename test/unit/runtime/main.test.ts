import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

import { expect } from 'chai';

const REPO = resolve(import.meta.dirname, '../../..');

describe('operator/main.ts', () => {
    const cases: { name: string; args: string[]; line: RegExp }[] = [
        {
            name: 'an invalid value',
            args: ['--workers', 'many'],
            line: /^bascule: --workers must be an integer/,
        },
        {
            name: 'an unknown flag',
            args: ['--leader-elekt'],
            line: /^bascule: Unknown option '--leader-elekt'/,
        },
        { name: 'a bad log level', args: [], line: /^bascule: --log-level must be one of/ },
        {
            name: 'an unknown settings profile',
            args: ['--settings-profile', 'fast'],
            line: /^bascule: --settings-profile must be one of production, demo, test, got 'fast'\n$/,
        },
        {
            name: 'an invalid installation ID',
            args: ['--installation-id', 'Blue_1'],
            line: /^bascule: --installation-id must be 1 to 32 lowercase letters.*, got 'Blue_1'\n$/,
        },
        {
            name: 'a clouds.yaml that is not there',
            args: ['--clouds-yaml', '/nonexistent/clouds.yaml'],
            line: /^bascule: \/nonexistent\/clouds.yaml: no such file\n$/,
        },
    ];

    for (const { name, args, line } of cases) {
        it(`should refuse ${name} with one line on stderr and exit code 2`, () => {
            const env = { ...process.env, LOG_LEVEL: args.length === 0 ? 'loud' : 'info' };

            const run = spawnSync(process.execPath, ['operator/main.ts', ...args], {
                cwd: REPO,
                env,
                encoding: 'utf8',
            });

            expect(run.status).to.equal(2);
            expect(run.stdout).to.equal('');
            expect(run.stderr.trimEnd().split('\n')).to.have.length(1);
            expect(run.stderr).to.match(line);
        });
    }

    it('should print the flags and exit 0 on --help, before reading any configuration', () => {
        const run = spawnSync(process.execPath, ['operator/main.ts', '--help', '--workers', 'many'], {
            cwd: REPO,
            env: { ...process.env, BASCULE_SETTINGS_PROFILE: 'bogus' },
            encoding: 'utf8',
        });

        expect(run.status).to.equal(0);
        expect(run.stderr).to.equal('');
        expect(run.stdout).to.match(/^Usage: /);
        expect(run.stdout).to.match(/^ {2}--settings-profile +production, demo or test/m);
    });
});
