import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { V1Secret } from '@kubernetes/client-node';
import { expect } from 'chai';

import {
    fileSecretSource,
    kubeSecretSource,
    SecretUnavailableError,
    type SecretReader,
} from '../../../operator/controllers/shared/secrets.ts';

const CONTENT = '#cloud-config\npassword: hunter2\n';

/** A reader over fixed Secrets that counts its calls (it must only ever `get`). */
function fakeReader(secrets: Record<string, V1Secret>) {
    const calls: string[] = [];
    const reader: SecretReader = {
        readNamespacedSecret: ({ namespace, name }: { namespace: string; name: string }) => {
            calls.push(`${namespace}/${name}`);
            const found = secrets[`${namespace}/${name}`];
            if (found === undefined)
                return Promise.reject(Object.assign(new Error('Not Found'), { code: 404 }));
            return Promise.resolve(found);
        },
    };
    return { reader, calls };
}

function secret(labelled: boolean): V1Secret {
    return {
        metadata: { name: 's', ...(labelled ? { labels: { 'bascule.io/secret': 'true' } } : {}) },
        data: { userdata: Buffer.from(CONTENT).toString('base64') },
    };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
    return p.then(
        () => expect.fail('expected a rejection'),
        (err: unknown) => err as Error,
    );
}

describe('Secret sources', () => {
    describe('the Kubernetes source', () => {
        it('should read a labelled Secret with one get per call, decoding the key', async () => {
            const { reader, calls } = fakeReader({ 'ns/s': secret(true) });
            const source = kubeSecretSource(reader);
            expect(await source.get('ns', 's', 'userdata')).to.equal(CONTENT);
            expect(await source.get('ns', 's', 'userdata')).to.equal(CONTENT);
            expect(calls).to.deep.equal(['ns/s', 'ns/s']);
        });

        it('should refuse an unlabelled Secret, naming it and the label, never its content', async () => {
            const source = kubeSecretSource(fakeReader({ 'ns/s': secret(false) }).reader);
            const err = await rejection(source.get('ns', 's', 'userdata'));
            expect(err).to.be.instanceOf(SecretUnavailableError);
            expect(err.message).to.include('ns/s').and.include('bascule.io/secret=true');
            expect(err.message).not.to.include('hunter2');
        });

        it('should say clearly when the Secret or its key is missing', async () => {
            const source = kubeSecretSource(fakeReader({ 'ns/s': secret(true) }).reader);
            expect((await rejection(source.get('ns', 'other', 'userdata'))).message).to.equal(
                'Secret ns/other (key userdata) not found',
            );
            expect((await rejection(source.get('ns', 's', 'ssh-publickey'))).message).to.include(
                'no such key',
            );
        });
    });

    describe('the file-backed source', () => {
        let root: string;
        before(async () => {
            root = await mkdtemp(join(tmpdir(), 'bascule-secrets-'));
            await mkdir(join(root, 'ns', 's'), { recursive: true });
            await writeFile(join(root, 'ns', 's', 'userdata'), CONTENT);
        });
        after(() => rm(root, { recursive: true, force: true }));

        it('should read <root>/<namespace>/<name>/<key>', async () => {
            expect(await fileSecretSource(root).get('ns', 's', 'userdata')).to.equal(CONTENT);
        });

        it('should name a missing Secret clearly', async () => {
            const err = await rejection(fileSecretSource(root).get('ns', 'gone', 'userdata'));
            expect(err).to.be.instanceOf(SecretUnavailableError);
            expect(err.message).to.equal('Secret ns/gone (key userdata) not found');
        });

        it('should refuse a reference that would leave the root', async () => {
            const err = await rejection(fileSecretSource(root).get('..', 's', 'userdata'));
            expect(err).to.be.instanceOf(SecretUnavailableError);
        });
    });
});
