import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import { parseArgs } from '../../hack/openstack-sim/args.ts';
import { BACKGROUND_PROJECT_ID, defaultConfig } from '../../hack/openstack-sim/config.ts';
import { startSimulator, type Simulator } from '../../hack/openstack-sim/server.ts';
import { call, get, startTestSim, token } from './helpers.ts';

const FIXED_ID = '0123456789abcdef0123456789abcdef';

const YAML = `
quotaCounting: placement
latenciesMs:
  boot: 5
hosts:
  - count: 2
    namePrefix: big-
    vcpus: 64
    ramMb: 131072
    aggregates: [gpu]
  - count: 1
    namePrefix: small-
    vcpus: 8
flavors:
  - id: 1
    name: c1.tiny
    vcpus: 1
    ramMb: 256
  - id: big
    name: c1.big
    vcpus: 16
    ramMb: 32768
projects:
  - id: ${FIXED_ID}
    name: legacy-load
    tags: [seeded]
    quota: { instances: 50 }
    servers: { count: 3, flavor: c1.tiny, namePrefix: old }
  - name: empty
faults:
  - service: compute
    path: ^/v2.1/limits$
    count: 1
    action: { kind: error, status: 503 }
`;

describe('simulator: configuration', () => {
    let dir: string;

    before(() => {
        dir = mkdtempSync(join(tmpdir(), 'sim-config-'));
    });

    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    function configFile(name: string, text: string): string {
        const path = join(dir, name);
        writeFileSync(path, text);
        return path;
    }

    describe('from a YAML file', () => {
        let sim: Simulator;
        let admin: string;

        before(async () => {
            const config = parseArgs(['--config', configFile('sim.yaml', YAML), '--port', '0']);
            sim = await startSimulator(config);
            admin = await token(sim);
        });

        after(async () => {
            await sim.stop();
        });

        it('should keep the defaults the file leaves out, and take flags over the file', () => {
            expect(sim.world.config.latenciesMs.boot).to.equal(5);
            expect(sim.world.config.latenciesMs.resize).to.equal(defaultConfig().latenciesMs.resize);
            expect(sim.world.config.port).to.equal(0);
            expect(sim.world.quotaCounting).to.equal('placement');
        });

        it('should build the hosts of each group, completing what a group leaves out', async () => {
            const answer = await call(sim, 'GET', '/placement/resource_providers', { token: admin });
            const names = (get(answer.body, 'resource_providers') as { name: string }[]).map((p) => p.name);
            expect(names).to.deep.equal(['big-001', 'big-002', 'small-003']);
            const small = sim.world.hosts[2];
            expect(small?.capacity.MEMORY_MB).to.equal(defaultConfig().hosts[0]?.ramMb);
            expect(sim.world.hosts[0]?.aggregates).to.deep.equal(['gpu']);
        });

        it('should offer exactly the flavors of the file, with string IDs', async () => {
            const answer = await call(sim, 'GET', '/compute/v2.1/flavors', { token: admin });
            const flavors = get(answer.body, 'flavors') as { id: string; name: string }[];
            expect(flavors.map((f) => [f.id, f.name])).to.deep.equal([
                ['1', 'c1.tiny'],
                ['big', 'c1.big'],
            ]);
        });

        it('should seed projects, one under its fixed ID with its servers already running', async () => {
            const project = await call(sim, 'GET', `/identity/v3/projects/${FIXED_ID}`, { token: admin });
            expect(get(project.body, 'project', 'name')).to.equal('legacy-load');
            expect(get(project.body, 'project', 'tags')).to.deep.equal(['seeded']);

            const listed = await call(sim, 'GET', '/compute/v2.1/servers/detail?all_tenants=1', {
                token: admin,
                headers: { 'OpenStack-API-Version': 'compute 2.90' },
            });
            const servers = get(listed.body, 'servers') as {
                tenant_id: string;
                status: string;
                name: string;
            }[];
            expect(servers.map((s) => [s.tenant_id, s.status])).to.deep.equal([
                [FIXED_ID, 'ACTIVE'],
                [FIXED_ID, 'ACTIVE'],
                [FIXED_ID, 'ACTIVE'],
            ]);
            expect(servers.map((s) => s.name).sort()).to.deep.equal(['old-0001', 'old-0002', 'old-0003']);
            const quota = await call(sim, 'GET', `/compute/v2.1/os-quota-sets/${FIXED_ID}`, { token: admin });
            expect(get(quota.body, 'quota_set', 'instances')).to.equal(50);

            const empty = await call(sim, 'GET', '/identity/v3/projects?name=empty', { token: admin });
            expect((get(empty.body, 'projects') as unknown[]).length).to.equal(1);
        });

        it('should apply the fault rules given at start', async () => {
            const first = await call(sim, 'GET', '/compute/v2.1/limits', { token: admin });
            expect(first.status).to.equal(503);
            expect(get(first.body, 'serviceUnavailable', 'code')).to.equal(503);
            const second = await call(sim, 'GET', '/compute/v2.1/limits', { token: admin });
            expect(second.status).to.equal(200);
        });
    });

    it('should refuse a seeded project ID that is not Keystone-shaped', () => {
        const path = configFile('bad-id.yaml', 'projects:\n  - id: not-hex\n    name: x\n');
        expect(() => parseArgs(['--config', path])).to.throw(/32 lower-case hex digits/);
    });

    it('should refuse an unknown quota counting mode', () => {
        const path = configFile('bad-mode.yaml', 'quotaCounting: sometimes\n');
        expect(() => parseArgs(['--config', path])).to.throw(/quotaCounting/);
    });

    it('should give the default background project its fixed ID, with its servers', async () => {
        const [background] = defaultConfig().projects;
        if (background?.servers === undefined) {
            throw new Error('the default configuration has no background project with servers');
        }
        expect(background.id).to.equal(BACKGROUND_PROJECT_ID);
        const servers = { ...background.servers, count: 2 };
        const sim = await startTestSim({ projects: [{ ...background, servers }] });
        try {
            const admin = await token(sim);
            const project = await call(sim, 'GET', `/identity/v3/projects/${BACKGROUND_PROJECT_ID}`, {
                token: admin,
            });
            expect(get(project.body, 'project', 'name')).to.equal('background');
            const owned = [...sim.world.servers.values()].filter(
                (s) => s.projectId === BACKGROUND_PROJECT_ID,
            );
            expect(owned.length).to.equal(2);
        } finally {
            await sim.stop();
        }
    });
});
