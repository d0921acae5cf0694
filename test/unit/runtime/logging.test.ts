import { PassThrough } from 'node:stream';

import { expect } from 'chai';

import {
    controllerLogger,
    createLogger,
    errorFields,
    reconcileLogger,
} from '../../../operator/runtime/logging.ts';

function capture(level: 'info' | 'debug') {
    const stream = new PassThrough();
    const lines: Record<string, unknown>[] = [];
    stream.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
            lines.push(JSON.parse(line) as Record<string, unknown>);
        }
    });
    return { logger: createLogger(level, stream), lines };
}

async function flush(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
}

describe('logging', () => {
    it('should write JSON lines carrying controller, key and reconcile ID', async () => {
        const { logger, lines } = capture('info');

        reconcileLogger(controllerLogger(logger, 'tenant'), 'ns/a').info('Server created', {
            serverID: 's1',
        });
        await flush();

        expect(lines).to.have.length(1);
        expect(lines[0]).to.include({
            message: 'Server created',
            controller: 'tenant',
            key: 'ns/a',
            serverID: 's1',
        });
        expect(lines[0]?.reconcileID).to.be.a('string');
    });

    it('should give each reconcile its own ID', async () => {
        const { logger, lines } = capture('info');
        const log = controllerLogger(logger, 'tenant');

        reconcileLogger(log, 'a').info('x');
        reconcileLogger(log, 'a').info('x');
        await flush();

        expect(lines[0]?.reconcileID).not.to.equal(lines[1]?.reconcileID);
    });

    it('should keep debug lines out of info output', async () => {
        const { logger, lines } = capture('info');

        logger.debug('No changes');
        logger.verbose('Reconcile finished');
        await flush();

        expect(lines).to.deep.equal([]);
    });

    it('should reduce errors to name, message and code', () => {
        const err = Object.assign(new Error('conflict'), { code: 409, body: { secret: 'x' } });

        expect(errorFields(err)).to.deep.equal({ error: 'conflict', errorName: 'Error', code: 409 });
        expect(errorFields('boom')).to.deep.equal({ error: 'boom' });
    });
});
