import { expect } from 'chai';

import type { Condition } from '../../../operator/controllers/shared/conditions.ts';
import { progressing, terminalOutcome, waiting } from '../../../operator/controllers/shared/outcome.ts';
import type { KindContext } from '../../../operator/controllers/shared/reconciler.ts';
import { reported } from '../../../operator/controllers/virtualmachine/report.ts';
import { phaseOf } from '../../../operator/controllers/virtualmachine/status.ts';
import type { VirtualMachineStatus } from '../../../operator/controllers/virtualmachine/types.ts';
import { parseServer } from '../../../operator/openstack/nova-views.ts';
import type { EventInput } from '../../../operator/runtime/event-recorder.ts';

function context(events: EventInput[]): KindContext<VirtualMachineStatus> {
    return {
        status: {},
        event: (e: EventInput) => events.push(e),
    } as unknown as KindContext<VirtualMachineStatus>;
}

function readyFalse(reason: string): Condition {
    return { type: 'Ready', status: 'False', reason, message: 'm', lastTransitionTime: 't' };
}

describe('the VirtualMachine report', () => {
    it('should warn when a failure begins, and not again while it lasts', () => {
        const events: EventInput[] = [];
        const failure = terminalOutcome('UnknownReference', 'no flavor "x" is visible');
        reported(context(events), undefined, failure);
        reported(context(events), readyFalse('UnknownReference'), failure);
        reported(context(events), readyFalse('Progressing'), failure);
        expect(events.map((e) => [e.type, e.reason, e.action])).to.deep.equal([
            ['Warning', 'UnknownReference', 'Create'],
            ['Warning', 'UnknownReference', 'Create'],
        ]);
    });

    it('should warn of a machine frozen outside the namespaces of its Tenant, and of a pool machine with no host', () => {
        const events: EventInput[] = [];
        for (const reason of ['NamespaceNotAllowed', 'NoCapacity'] as const) {
            reported(context(events), undefined, waiting(reason, 'why', 1));
            reported(context(events), readyFalse(reason), waiting(reason, 'why', 1));
        }
        expect(events.map((e) => [e.type, e.reason])).to.deep.equal([
            ['Warning', 'NamespaceNotAllowed'],
            ['Warning', 'NoCapacity'],
        ]);
    });

    it('should not warn of waits that are no failure', () => {
        const events: EventInput[] = [];
        reported(context(events), undefined, waiting('WaitingForDependency', 'm', 1));
        reported(context(events), undefined, progressing('Progressing', 'm', 1));
        expect(events).to.deep.equal([]);
    });

    it('should set Progressing False on a wait on someone else, naming it', () => {
        for (const reason of ['QuotaExceeded', 'NamespaceNotAllowed'] as const) {
            const outcome = reported(context([]), undefined, waiting(reason, 'why', 1));
            expect(outcome.extra).to.deep.equal([
                { type: 'Progressing', status: 'False', reason, message: 'why' },
            ]);
        }
        expect(reported(context([]), undefined, waiting('WaitingForDependency', 'm', 1)).extra).to.equal(
            undefined,
        );
    });

    it('should give a resizing server the phase of its power state, never Building', () => {
        const server = (status: string, vmState: string, task?: string) =>
            parseServer({
                status,
                'OS-EXT-STS:vm_state': vmState,
                ...(task ? { 'OS-EXT-STS:task_state': task } : {}),
            });
        expect(phaseOf(server('RESIZE', 'active', 'resize_migrating'))).to.equal('Running');
        expect(phaseOf(server('RESIZE', 'stopped', 'resize_prep'))).to.equal('Stopped');
        expect(phaseOf(server('VERIFY_RESIZE', 'resized'), 'Stopped')).to.equal('Stopped');
        expect(phaseOf(server('REVERT_RESIZE', 'resized', 'resize_reverting'))).to.equal('Running');
        expect(phaseOf(server('BUILD', 'building', 'spawning'))).to.equal('Building');
    });
});
