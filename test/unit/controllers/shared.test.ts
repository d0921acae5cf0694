import { expect } from 'chai';

import { setCondition } from '../../../operator/controllers/shared/conditions.ts';
import {
    installTag,
    MAX_SERVER_NAME,
    ownerFromTag,
    ownerTag,
    serverName,
} from '../../../operator/controllers/shared/naming.ts';
import { outcomeOfError } from '../../../operator/controllers/shared/outcome.ts';
import { isPaused } from '../../../operator/controllers/shared/paused.ts';
import { quantityToMiB } from '../../../operator/controllers/shared/quantity.ts';
import { portCondition } from '../../../operator/controllers/tenant/status.ts';
import { powerStep } from '../../../operator/controllers/virtualmachine/converge.ts';
import { OpenStackError, type ErrorKind } from '../../../operator/openstack/errors.ts';

const retry = { quotaRetryMs: 1, policyRetryMs: 2 };

function cloudError(kind: ErrorKind, serviceMessage = 'x'): OpenStackError {
    return new OpenStackError({
        kind,
        service: 'compute',
        operation: 'op',
        status: 400,
        requestId: 'r',
        serviceMessage,
    });
}

describe('controller helpers', () => {
    describe('setCondition', () => {
        const ready = { type: 'Ready', status: 'True', reason: 'Success', message: 'ok' } as const;

        it('should move lastTransitionTime only when the status changes', () => {
            const first = setCondition(undefined, ready, 1, 't1');
            const reworded = setCondition(first, { ...ready, message: 'still ok' }, 2, 't2');
            expect(reworded[0]).to.include({
                lastTransitionTime: 't1',
                observedGeneration: 2,
                message: 'still ok',
            });
            const failed = setCondition(
                reworded,
                { ...ready, status: 'False', reason: 'ServerError' },
                2,
                't3',
            );
            expect(failed[0]?.lastTransitionTime).to.equal('t3');
        });

        it('should keep other condition types in place', () => {
            const both = setCondition(
                setCondition(undefined, ready, 1, 't'),
                { ...ready, type: 'Progressing' },
                1,
                't',
            );
            expect(both.map((c) => c.type)).to.deep.equal(['Ready', 'Progressing']);
        });
    });

    describe('serverName', () => {
        it('should join namespace and name when they fit', () => {
            expect(serverName('team', 'web-1')).to.equal('team-web-1');
        });

        it('should cut long names to 63 characters with a hash that tells them apart', () => {
            const a = serverName('n'.repeat(40), `${'x'.repeat(40)}a`);
            const b = serverName('n'.repeat(40), `${'x'.repeat(40)}b`);
            expect(a).to.have.length.at.most(MAX_SERVER_NAME);
            expect(a).to.not.equal(b);
            expect(serverName('n'.repeat(40), `${'x'.repeat(40)}a`)).to.equal(a);
        });
    });

    it('should name and parse installation and owner tags', () => {
        expect(installTag('prod')).to.equal('bascule-install-prod');
        expect(ownerFromTag(ownerTag('u-1'))).to.equal('u-1');
        expect(ownerFromTag('blue')).to.equal(undefined);
    });

    it('should read the paused annotation', () => {
        expect(isPaused({ metadata: { annotations: { 'bascule.io/paused': 'true' } } })).to.be.true;
        expect(isPaused({ metadata: { annotations: { 'bascule.io/paused': 'false' } } })).to.be.false;
        expect(isPaused({ metadata: {} })).to.be.false;
    });

    it('should convert RAM quantities to MiB', () => {
        for (const [given, mib] of [
            ['8Gi', 8192],
            ['512Mi', 512],
            ['1Ti', 1048576],
            ['0', 0],
            [String(2 ** 21), 2],
        ] as const) {
            expect(quantityToMiB(given), given).to.equal(mib);
        }
        expect(() => quantityToMiB('lots')).to.throw();
    });

    it('should map error classes to outcomes', () => {
        expect(outcomeOfError(cloudError('QuotaExceeded'), retry)).to.include({
            state: 'waiting',
            reason: 'QuotaExceeded',
        });
        expect(outcomeOfError(cloudError('PolicyForbidden'), retry)).to.include({ retryAfterMs: 2 });
        expect(outcomeOfError(cloudError('Transient'), retry).state).to.equal('transient');
        expect(outcomeOfError(cloudError('Invalid', 'AmbiguousName: 2'), retry).reason).to.equal(
            'AmbiguousName',
        );
        expect(outcomeOfError(new Error('socket'), retry).state).to.equal('transient');
    });

    it('should step power states towards the desired one', () => {
        const table: [string, 'Running' | 'Stopped' | 'Shelved', string | undefined][] = [
            ['SHUTOFF', 'Running', 'os-start'],
            ['SHELVED_OFFLOADED', 'Running', 'unshelve'],
            ['ACTIVE', 'Running', undefined],
            ['ACTIVE', 'Stopped', 'os-stop'],
            ['ACTIVE', 'Shelved', 'shelve'],
            ['SHELVED', 'Shelved', 'shelveOffload'],
            ['SHELVED_OFFLOADED', 'Shelved', undefined],
        ];
        for (const [status, desired, step] of table)
            expect(powerStep(status, desired), status).to.equal(step);
    });

    it('should report a port shortfall only when free ports cannot cover the allowed instances', () => {
        const quota = { instances: 10, cores: 0, ramMiB: 0 };
        const usage = { instances: 2, cores: 0, ramMiB: 0 };
        expect(portCondition({ limit: -1, used: 0 }, quota, usage).status).to.equal('True');
        expect(portCondition({ limit: 10, used: 5 }, quota, usage).reason).to.equal('PortQuotaShortfall');
    });
});
