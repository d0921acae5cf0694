import { PassThrough } from 'node:stream';

import { expect } from 'chai';

import { EventRecorder, type EventClient, type KubeEvent } from '../../../operator/runtime/event-recorder.ts';
import { createLogger } from '../../../operator/runtime/logging.ts';
import { FakeClock, settle } from './fake-clock.ts';

describe('EventRecorder', () => {
    let clock: FakeClock;
    let created: KubeEvent[];
    let replaced: KubeEvent[];
    let recorder: EventRecorder;
    const vm = {
        apiVersion: 'bascule.io/v1alpha1',
        kind: 'VirtualMachine',
        metadata: { name: 'vm', namespace: 'ns', uid: 'u1' },
    };
    const quota = {
        type: 'Warning',
        reason: 'QuotaExceeded',
        action: 'CreateServer',
        note: 'no cores',
    } as const;

    beforeEach(() => {
        clock = new FakeClock();
        created = [];
        replaced = [];
        const client: EventClient = {
            create: (e) => {
                created.push(e);
                return Promise.resolve({ ...e, metadata: { ...e.metadata, resourceVersion: '1' } });
            },
            replace: (e) => {
                replaced.push(e);
                return Promise.resolve(e);
            },
        };
        const log = createLogger('error', new PassThrough());
        recorder = new EventRecorder({
            client,
            controller: 'bascule.io/operator',
            instance: 'pod-1',
            log,
            clock,
        });
    });

    it('should create one Event about the object with constant reason and action', async () => {
        await recorder.record(vm, quota);

        expect(created).to.have.length(1);
        expect(created[0]).to.deep.include({
            reason: 'QuotaExceeded',
            action: 'CreateServer',
            type: 'Warning',
        });
        expect(created[0]?.regarding).to.deep.equal({
            ...vm.metadata,
            apiVersion: vm.apiVersion,
            kind: vm.kind,
        });
        expect(created[0]?.metadata.namespace).to.equal('ns');
    });

    it('should aggregate repeats into one series written at most every flush interval', async () => {
        await recorder.record(vm, quota);
        for (let i = 0; i < 9; i++) {
            clock.advance(1000);
            await recorder.record(vm, quota);
        }
        expect(replaced).to.have.length(0);

        clock.advance(30_000);
        await settle();

        expect(created).to.have.length(1);
        expect(replaced).to.have.length(1);
        expect(replaced[0]?.series?.count).to.equal(10);
        expect(replaced[0]?.metadata.resourceVersion).to.equal('1');
    });

    it('should keep different reasons and objects apart', async () => {
        await recorder.record(vm, quota);
        await recorder.record(vm, { ...quota, reason: 'NoCapacity' });
        await recorder.record({ metadata: { name: 't', uid: 'u2' } }, quota);

        expect(created.map((e) => e.metadata.namespace)).to.deep.equal(['ns', 'ns', 'default']);
    });

    it('should start a new Event once the series window has passed', async () => {
        await recorder.record(vm, quota);
        clock.advance(31 * 60_000);
        await recorder.record(vm, quota);

        expect(created).to.have.length(2);
    });
});
