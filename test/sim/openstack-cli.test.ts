import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { expect } from 'chai';
import yaml from 'js-yaml';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { startTestSim } from './helpers.ts';

const run = promisify(execFile);

/** The real openstack CLI (python3-openstackclient), which hack/install-openstackclient.sh installs. */
async function haveCli(): Promise<boolean> {
    try {
        await run('openstack', ['--version']);
        return true;
    } catch {
        return false;
    }
}

describe('simulator: the real openstack CLI', function () {
    // Each CLI call starts Python: about 1.5 s.
    this.timeout(180_000);

    let sim: Simulator;
    let dir: string;

    before(async () => {
        if (!(await haveCli())) {
            throw new Error(
                'the openstack CLI is missing: run hack/install-openstackclient.sh (.ci/run does)',
            );
        }
        sim = await startTestSim();
        dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
        const auth = {
            auth_url: `${sim.url}/identity/v3`,
            username: 'admin',
            password: 'admin',
            user_domain_name: 'Default',
            project_domain_name: 'Default',
        };
        const cloud = (project: string) => ({
            auth: { ...auth, project_name: project },
            region_name: 'RegionOne',
            identity_api_version: 3,
        });
        writeFileSync(
            join(dir, 'clouds.yaml'),
            yaml.dump({ clouds: { admin: cloud('admin'), tenant: cloud('cli-demo') } }),
        );
    });

    after(async () => {
        await sim.stop();
        rmSync(dir, { recursive: true, force: true });
    });

    async function os(cloud: string, ...args: string[]): Promise<string> {
        const env = { ...process.env, OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') };
        const flags = ['--os-cloud', cloud, '--os-compute-api-version', '2.90'];
        const { stdout } = await run('openstack', [...flags, ...args], { env });
        return stdout.trim();
    }

    async function failure(cloud: string, ...args: string[]): Promise<string> {
        try {
            await os(cloud, ...args);
        } catch (error) {
            return (error as { stderr: string }).stderr;
        }
        throw new Error(`openstack ${args.join(' ')} should have failed`);
    }

    const status = (name: string) => os('tenant', 'server', 'show', name, '-f', 'value', '-c', 'status');

    it('should create a project, set and show its quota, and list flavors', async () => {
        await os('admin', 'project', 'create', 'cli-demo');
        await os('admin', 'role', 'add', '--user', 'admin', '--project', 'cli-demo', 'member');
        await os('admin', 'quota', 'set', '--instances', '2', '--cores', '20', 'cli-demo');
        const quota = JSON.parse(await os('admin', 'quota', 'show', 'cli-demo', '-f', 'json')) as Record<
            string,
            unknown
        >;
        expect(quota.instances).to.equal(2);
        expect(await os('admin', 'flavor', 'list', '-f', 'value', '-c', 'Name')).to.contain('m1.medium');
    });

    it('should create, list and show servers, and refuse one over quota with Nova’s message', async () => {
        const image = ['--flavor', 'm1.small', '--image', 'debian-12', '--nic', 'none'];
        await os('tenant', 'server', 'create', ...image, 'vm1');
        await os('tenant', 'server', 'create', ...image, 'vm2');
        expect(await os('tenant', 'server', 'list', '-f', 'value', '-c', 'Name')).to.contain('vm1');
        expect(await status('vm1')).to.equal('ACTIVE');
        const refused = await failure('tenant', 'server', 'create', ...image, 'vm3');
        expect(refused).to.contain(
            'Quota exceeded for instances: Requested 1, but already used 2 of 2 instances (HTTP 403)',
        );
        expect(refused).to.match(/\(Request-ID: req-[0-9a-f-]+\)/);
    });

    it('should stop, start, shelve and unshelve a server', async () => {
        await os('tenant', 'server', 'stop', 'vm1');
        expect(await status('vm1')).to.equal('SHUTOFF');
        await os('tenant', 'server', 'start', 'vm1');
        expect(await status('vm1')).to.equal('ACTIVE');
        await os('tenant', 'server', 'shelve', 'vm1');
        expect(await status('vm1')).to.equal('SHELVED_OFFLOADED');
        await os('tenant', 'server', 'unshelve', 'vm1');
        expect(await status('vm1')).to.equal('ACTIVE');
    });

    it('should resize and confirm, then delete', async () => {
        await os('tenant', 'server', 'resize', '--flavor', 'm1.medium', 'vm2');
        expect(await status('vm2')).to.equal('VERIFY_RESIZE');
        await os('tenant', 'server', 'resize', 'confirm', 'vm2');
        expect(await os('tenant', 'server', 'show', 'vm2', '-f', 'value', '-c', 'flavor')).to.contain(
            'm1.medium',
        );
        await os('tenant', 'server', 'delete', 'vm2');
        expect(await os('tenant', 'server', 'list', '-f', 'value', '-c', 'Name')).not.to.contain('vm2');
    });
});
