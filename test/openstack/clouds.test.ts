import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import {
    CloudConfigError,
    describeCloud,
    loadCloud,
    type CloudsEnv,
} from '../../operator/openstack/clouds.ts';

const PASSWORD_CLOUD = `
clouds:
  prod:
    auth:
      auth_url: https://keystone.example/v3
      username: bascule
      password: s3cret
      project_name: admin
      user_domain_name: Users
      project_domain_id: default
    region_name: RegionTwo
    interface: internal
`;

describe('openstack clouds.yaml', () => {
    let dir: string;
    let where: CloudsEnv;

    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'bascule-clouds-'));
        mkdirSync(join(dir, 'home/.config/openstack'), { recursive: true });
        mkdirSync(join(dir, 'cwd'));
        where = { env: {}, cwd: join(dir, 'cwd'), home: join(dir, 'home') };
    });

    afterEach(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    function write(rel: string, text: string): string {
        const path = join(dir, rel);
        writeFileSync(path, text);
        return path;
    }

    it('should read a password cloud with user and project domains kept apart', () => {
        write('cwd/clouds.yaml', PASSWORD_CLOUD);
        const cloud = loadCloud({}, where);

        expect(cloud.auth).to.deep.include({
            type: 'password',
            username: 'bascule',
            userDomainName: 'Users',
            userDomainId: undefined,
            projectName: 'admin',
            projectDomainId: 'default',
            projectDomainName: undefined,
        });
        expect(cloud.regionName).to.equal('RegionTwo');
        expect(cloud.interface).to.equal('internal');
        expect(cloud.verify).to.equal(true);
    });

    const searchCases: { name: string; place: string; env?: Record<string, string> }[] = [
        { name: './clouds.yaml', place: 'cwd/clouds.yaml' },
        { name: '~/.config/openstack/clouds.yaml', place: 'home/.config/openstack/clouds.yaml' },
        { name: 'OS_CLIENT_CONFIG_FILE', place: 'elsewhere.yaml', env: { OS_CLIENT_CONFIG_FILE: '' } },
    ];
    for (const c of searchCases) {
        it(`should find the file through ${c.name}`, () => {
            const path = write(c.place, PASSWORD_CLOUD);
            const env = c.env === undefined ? {} : { OS_CLIENT_CONFIG_FILE: path };
            expect(loadCloud({}, { ...where, env }).path).to.equal(path);
        });
    }

    it('should prefer an explicit path over OS_CLIENT_CONFIG_FILE', () => {
        const explicit = write('a.yaml', PASSWORD_CLOUD);
        const fromEnv = write('b.yaml', PASSWORD_CLOUD);
        const env = { OS_CLIENT_CONFIG_FILE: fromEnv };
        expect(loadCloud({ path: explicit }, { ...where, env }).path).to.equal(explicit);
    });

    it('should choose the cloud from OS_CLOUD among several', () => {
        const other = '  other:\n    auth: {auth_url: x, username: u, user_domain_id: d, password: p}\n';
        const text = `${PASSWORD_CLOUD}${other}`;
        write('cwd/clouds.yaml', text);
        const env = { OS_CLOUD: 'other' };
        expect(loadCloud({}, { ...where, env }).name).to.equal('other');
        expect(() => loadCloud({}, where)).to.throw(CloudConfigError, /several clouds.*OS_CLOUD/);
    });

    it('should merge secure.yaml over clouds.yaml', () => {
        write('cwd/clouds.yaml', PASSWORD_CLOUD.replace('password: s3cret', ''));
        write('cwd/secure.yaml', 'clouds:\n  prod:\n    auth:\n      password: from-secure\n');
        const cloud = loadCloud({}, where);
        expect(cloud.auth.type === 'password' && cloud.auth.password).to.equal('from-secure');
        expect(cloud.auth.authUrl).to.equal('https://keystone.example/v3');
    });

    it('should read an application credential', () => {
        const text = [
            'clouds:',
            '  app:',
            '    auth_type: v3applicationcredential',
            '    auth: {auth_url: x, application_credential_id: ac1, application_credential_secret: s}',
        ].join('\n');
        write('cwd/clouds.yaml', text);
        expect(loadCloud({}, where).auth).to.deep.include({ type: 'v3applicationcredential', id: 'ac1' });
    });

    it('should let domain_name stand in only for the domains not given', () => {
        const text = PASSWORD_CLOUD.replace('user_domain_name: Users', 'domain_name: Fallback');
        write('cwd/clouds.yaml', text);
        const auth = loadCloud({}, where).auth;
        expect(auth).to.deep.include({ userDomainName: 'Fallback', projectDomainId: 'default' });
        expect(auth).to.deep.include({ projectDomainName: undefined });
    });

    const verifyCases: { text: string; verify: boolean | 'error' }[] = [
        { text: '', verify: true },
        { text: '    verify: true\n', verify: true },
        { text: '    verify: false\n', verify: false },
        { text: '    verify: "no"\n', verify: 'error' },
    ];
    for (const c of verifyCases) {
        it(`should read verify from ${JSON.stringify(c.text.trim() || 'nothing')}`, () => {
            write('cwd/clouds.yaml', `${PASSWORD_CLOUD}${c.text}    cacert: /ca.pem\n`);
            if (c.verify === 'error') {
                expect(() => loadCloud({}, where)).to.throw(CloudConfigError, /verify/);
                return;
            }
            const cloud = loadCloud({}, where);
            expect(cloud.verify).to.equal(c.verify);
            expect(cloud.cacert).to.equal('/ca.pem');
        });
    }

    const badCases: { name: string; text: string; error: RegExp }[] = [
        { name: 'no clouds map', text: 'foo: 1\n', error: /no "clouds" map/ },
        { name: 'broken YAML', text: 'clouds: [\n', error: /clouds.yaml: / },
        {
            name: 'no auth_url',
            text: PASSWORD_CLOUD.replace(/auth_url: .*/, ''),
            error: /auth_url is missing/,
        },
        {
            name: 'no password',
            text: PASSWORD_CLOUD.replace(/password: .*/, ''),
            error: /password is missing/,
        },
        {
            name: 'a username without a domain',
            text: PASSWORD_CLOUD.replace(/user_domain_name: .*/, ''),
            error: /user_domain_name or user_domain_id/,
        },
        {
            name: 'an unknown auth_type',
            text: PASSWORD_CLOUD.replace('    region_name', '    auth_type: token\n    region_name'),
            error: /auth_type "token" is not supported/,
        },
    ];
    for (const c of badCases) {
        it(`should refuse ${c.name} with one line`, () => {
            write('cwd/clouds.yaml', c.text);
            let message = '';
            try {
                loadCloud({}, where);
            } catch (err) {
                expect(err).to.be.instanceOf(CloudConfigError);
                message = (err as Error).message;
            }
            expect(message).to.match(c.error);
            expect(message).not.to.contain('\n');
            expect(message).not.to.contain('s3cret');
        });
    }

    it('should say so when no file is found', () => {
        expect(() => loadCloud({}, where)).to.throw(CloudConfigError, /no clouds.yaml/);
    });

    it('should name an explicit path that does not exist, rather than searching elsewhere', () => {
        write('cwd/clouds.yaml', PASSWORD_CLOUD);
        const path = join(dir, 'missing.yaml');
        expect(() => loadCloud({ path }, where)).to.throw(CloudConfigError, `${path}: no such file`);
    });

    it('should name an unknown cloud', () => {
        write('cwd/clouds.yaml', PASSWORD_CLOUD);
        expect(() => loadCloud({ cloud: 'nope' }, where)).to.throw(CloudConfigError, /no cloud named "nope"/);
    });

    it('should describe a cloud without its secrets', () => {
        write('cwd/clouds.yaml', PASSWORD_CLOUD);
        expect(JSON.stringify(describeCloud(loadCloud({}, where)))).not.to.contain('s3cret');
    });
});
