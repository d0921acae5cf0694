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
});
