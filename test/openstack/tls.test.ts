import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { CloudConfigError, type CloudConfig } from '../../operator/openstack/clouds.ts';
import { OpenStackError } from '../../operator/openstack/errors.ts';
import { ADMIN } from '../../operator/openstack/identity.ts';
import { fetchForCloud } from '../../operator/openstack/tls.ts';
import { startTestSim } from '../sim/helpers.ts';
import { harness, rejection, simCloud } from './helpers.ts';

/** A self-signed certificate for 127.0.0.1, made with openssl in `dir`. */
function selfSigned(dir: string): { cert: string; key: string } {
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync(
        'openssl',
        [
            ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'],
            ...['-keyout', key, '-out', cert, '-subj', '/CN=bascule-test'],
            ...['-addext', 'subjectAltName=IP:127.0.0.1'],
        ],
        { stdio: 'ignore' },
    );
    return { cert, key };
}

describe('openstack TLS: custom CA and verify: false', () => {
    let dir: string;
    let cert: string;
    let sim: Simulator;
    let https: Server;
    let url: string;

    before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'bascule-tls-'));
        const pems = selfSigned(dir);
        cert = pems.cert;
        sim = await startTestSim();
        // Keystone behind TLS: forwards every request to the simulator.
        https = createServer({ cert: readFileSync(pems.cert), key: readFileSync(pems.key) }, (req, res) => {
            const chunks: Buffer[] = [];
            req.on('data', (c: Buffer) => chunks.push(c));
            req.on('end', () => void forward(req.method ?? 'GET', req.url ?? '/', req.headers, chunks, res));
        });
        await new Promise<void>((ok) => https.listen(0, '127.0.0.1', ok));
        url = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
    });

    async function forward(
        method: string,
        path: string,
        headers: IncomingHttpHeaders,
        body: Buffer[],
        res: ServerResponse,
    ) {
        const answer = await fetch(`${sim.url}${path}`, {
            method,
            headers: headers as Record<string, string>,
            body: body.length === 0 ? undefined : Buffer.concat(body),
        });
        res.writeHead(answer.status, Object.fromEntries(answer.headers)).end(await answer.text());
    }

    after(async () => {
        https.closeAllConnections();
        await new Promise((ok) => https.close(ok));
        await sim.stop();
        rmSync(dir, { recursive: true, force: true });
    });

    function cloud(tls: Partial<CloudConfig>): CloudConfig {
        const base = simCloud(sim);
        return { ...base, ...tls, auth: { ...base.auth, authUrl: `${url}/identity/v3` } };
    }

    it('should refuse an unknown CA by default, as a Transient transport failure', async () => {
        const err = await rejection(harness(cloud({}), { maxAttempts: 1 }).client.identity.session(ADMIN));

        expect(err).to.be.instanceOf(OpenStackError).and.include({ kind: 'Transient', status: 0 });
        expect((err as OpenStackError).serviceMessage).to.match(/^transport failure \(\w+\)$/);
    });

    it('should trust the CA named by cacert', async () => {
        const session = await harness(cloud({ cacert: cert })).client.identity.session(ADMIN);

        expect(session.token).to.be.a('string').that.is.not.empty;
    });

    it('should skip verification only when verify is false', async () => {
        const session = await harness(cloud({ verify: false })).client.identity.session(ADMIN);

        expect(session.token).to.be.a('string').that.is.not.empty;
    });

    it('should keep verifying when a cacert that is not the signer is given', async () => {
        const other = selfSigned(mkdtempSync(join(dir, 'other-')));
        const err = await rejection(
            harness(cloud({ cacert: other.cert }), { maxAttempts: 1 }).client.identity.session(ADMIN),
        );

        expect(err).to.be.instanceOf(OpenStackError).and.include({ kind: 'Transient' });
    });

    it('should refuse a cacert that cannot be read with one line', () => {
        const build = () =>
            fetchForCloud({ path: '/etc/clouds.yaml', cacert: join(dir, 'nope.pem'), verify: true });

        expect(build).to.throw(CloudConfigError, /^\/etc\/clouds.yaml: cacert .*nope.pem cannot be read$/);
    });
});
