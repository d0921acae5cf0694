import { mkdtempSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import { ownerTag } from '../../../operator/controllers/shared/naming.ts';
import { fileSecretSource } from '../../../operator/controllers/shared/secrets.ts';
import { machines, tenantSuite, waitCondition, waitGone, type Harness } from './harness.ts';

describe('the VirtualMachine controller with Secrets from a file-backed source', function () {
    this.timeout(90_000);
    let h: Harness;
    let vms: ReturnType<typeof machines>;
    const root = mkdtempSync(join(tmpdir(), 'bascule-secrets-'));
    const suffix = Date.now().toString(36);
    const ns = `vms-${suffix}`;
    const tenant = `vmst-${suffix}`;
    const minimal = { tenant, flavor: { name: 'm1.tiny' }, image: { name: 'cirros-0.6.2' } };
    const marker = `s3cr3t-${suffix}`;
    const userData = `#cloud-config\nchpasswd:\n  list: root:${marker}\n`;

    /** Writes `<root>/<ns>/<name>/<key>`, as a Secret would hold it. */
    const secret = async (name: string, key: string, value: string) => {
        await mkdir(join(root, ns, name), { recursive: true });
        await writeFile(join(root, ns, name, key), value);
    };
    /** The user data Nova holds for the machine's server (admins see it), decoded. */
    const novaUserData = (serverId: string) => {
        const stored = h.sim.world.servers.get(serverId)?.userData ?? '';
        return Buffer.from(stored, 'base64').toString('utf8');
    };

    const suite = tenantSuite(
        tenant,
        ns,
        { instances: 4, cores: 8, ram: '8Gi' },
        { secrets: fileSecretSource(root) },
    );
    before(() => {
        ({ h, vms } = suite);
    });

    after(async () => {
        await rm(root, { recursive: true, force: true });
    });

    const get = (name: string) => () => vms.get(name);
    const remove = async (name: string) => {
        await vms.remove(name);
        await waitGone(get(name));
    };

    it('should give Nova the Secret as user data, keeping it out of status and logs', async () => {
        await secret('init', 'userdata', userData);
        await vms.create('ud', { ...minimal, userData: { secretRef: { name: 'init' } } });
        const ready = await waitCondition(get('ud'), 'Ready', 'True');

        expect(novaUserData(ready.status?.serverID as string)).to.equal(userData);
        const encoded = Buffer.from(userData).toString('base64');
        for (const text of [JSON.stringify(ready), h.logs.join('\n')]) {
            expect(text).not.to.include(marker);
            expect(text).not.to.include(encoded);
        }
        await remove('ud');
    });

    it('should wait naming a missing Secret, create nothing, and go on once it appears', async () => {
        const created = await vms.create('late', {
            ...minimal,
            userData: { secretRef: { name: 'later', key: 'cloud-init' } },
        });
        const waiting = await waitCondition(get('late'), 'Ready', 'False', 'WaitingForDependency');
        const ready = waiting.status?.conditions?.find((c) => c.type === 'Ready');
        expect(ready?.message).to.equal(`Secret ${ns}/later (key cloud-init) not found`);
        expect(waiting.status?.serverID).to.equal(undefined);
        const query = new URLSearchParams({
            method: 'POST',
            path: '^/v2.1/servers$',
            tag: ownerTag(created.metadata.uid ?? ''),
        });
        const creates = await fetch(`${h.sim.url}/_sim/calls?${query.toString()}`);
        expect(((await creates.json()) as { count: number }).count).to.equal(0);

        await secret('later', 'cloud-init', userData);
        const recovered = await waitCondition(get('late'), 'Ready', 'True');
        expect(novaUserData(recovered.status?.serverID as string)).to.equal(userData);
        await remove('late');
    });

    it('should register the SSH public key from a Secret under its default key', async () => {
        const publicKey = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIsecret${suffix} user@host`;
        await secret('key', 'ssh-publickey', `${publicKey}\n`);
        await vms.create('ssh', { ...minimal, sshKey: { secretRef: { name: 'key' } } });
        const ready = await waitCondition(get('ssh'), 'Ready', 'True');

        const keyName = h.sim.world.servers.get(ready.status?.serverID as string)?.keyName ?? '';
        expect(keyName).to.match(new RegExp(`^bascule-${tenant}-`));
        const registered = [...h.sim.world.keypairs.values()].find((k) => k.name === keyName);
        expect(registered?.publicKey).to.equal(publicKey);
        await remove('ssh');
    });
});
