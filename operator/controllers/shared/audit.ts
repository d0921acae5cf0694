import { AsyncLocalStorage } from 'node:async_hooks';

import { OpenStackError } from '../../openstack/errors.ts';
import type { CallObserver } from '../../openstack/http.ts';
import type { KubeObject } from '../../runtime/kube-object.ts';
import type { Logger } from '../../runtime/logging.ts';

/** Why a mutation was made. */
export type AuditTrigger =
    'spec' | 'adoption' | 'drift' | 'recovery' | 'deletion' | 'arbiter' | 'orphan' | 'duplicate';

/** The cloud call of a mutation: a path template (never a filled-in path) and the target's ID. */
export interface AuditCall {
    service: string;
    method: string;
    pathTemplate: string;
    targetId: string | undefined;
}

/** One audit record, written as one structured log line. */
export interface AuditRecord {
    object: { kind: string; namespace?: string; name: string; uid: string; generation?: number };
    trigger: AuditTrigger;
    call: AuditCall;
    requestId: string | undefined;
    result: 'success' | 'failure' | 'ambiguous';
    errorKind?: string;
}

/** The audit log's constant message; records are found by it. */
export const AUDIT_MESSAGE = 'Cloud mutation';

/** The request ID slot of the mutation running in the current async context, if any. */
const mutationSlot = new AsyncLocalStorage<{ requestId: string | undefined }>();

/**
 * The call observer that gives audit records their request IDs: it notes the request ID of each
 * call made inside {@link AuditWriter.record} in that mutation's slot. Wire it into every cloud
 * client whose mutations are audited; calls outside a mutation are ignored.
 */
export const auditRequestIds: CallObserver = {
    onCall: (event) => {
        const slot = mutationSlot.getStore();
        if (slot !== undefined && event.requestId !== undefined) slot.requestId = event.requestId;
    },
};

/**
 * Writes one audit record per cloud mutation, as an info line on the operator's log (never bodies,
 * tokens or user data). The person behind a change is found by joining on UID with the Kubernetes
 * audit log.
 *
 * A successful mutation's request ID is the last one the {@link auditRequestIds} observer saw
 * inside it (a mutation is one call, after any token fetch); without that observer it is absent.
 */
export class AuditWriter {
    private readonly log: Logger;

    constructor(log: Logger) {
        this.log = log.child({ audit: true });
    }

    /** Runs `mutation` and records its outcome; the mutation's own result or error is passed on. */
    async record<T>(
        object: KubeObject,
        trigger: AuditTrigger,
        call: AuditCall,
        mutation: () => Promise<T>,
    ): Promise<T> {
        const slot = { requestId: undefined as string | undefined };
        try {
            const value = await mutationSlot.run(slot, mutation);
            const { requestId } = slot;
            this.write({ object: describe(object), trigger, call, requestId, result: 'success' });
            return value;
        } catch (err) {
            this.write(failure(object, trigger, call, err, slot.requestId));
            throw err;
        }
    }

    private write(record: AuditRecord): void {
        this.log.info(AUDIT_MESSAGE, record);
    }
}

function failure(
    object: KubeObject,
    trigger: AuditTrigger,
    call: AuditCall,
    err: unknown,
    seen: string | undefined,
): AuditRecord {
    const known = err instanceof OpenStackError ? err : undefined;
    return {
        object: describe(object),
        trigger,
        call,
        requestId: known?.requestId ?? seen,
        result: known?.ambiguous === true ? 'ambiguous' : 'failure',
        ...(known === undefined ? {} : { errorKind: known.kind }),
    };
}

function describe(object: KubeObject): AuditRecord['object'] {
    const meta = object.metadata ?? {};
    return {
        kind: object.kind ?? '',
        ...(meta.namespace === undefined ? {} : { namespace: meta.namespace }),
        name: meta.name ?? '',
        uid: meta.uid ?? '',
        ...(meta.generation === undefined ? {} : { generation: meta.generation }),
    };
}
