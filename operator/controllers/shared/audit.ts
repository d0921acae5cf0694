import { OpenStackError } from '../../openstack/errors.ts';
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

/**
 * Writes one audit record per cloud mutation, as an info line on the operator's log (never bodies,
 * tokens or user data). The person behind a change is found by joining on UID with the Kubernetes
 * audit log.
 *
 * NOTE: the client's typed calls return no request ID on success, so only failed calls carry one;
 * lifting this needs the Nova and Keystone wrappers to return the answer's headers.
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
        try {
            const value = await mutation();
            this.write({ object: describe(object), trigger, call, requestId: undefined, result: 'success' });
            return value;
        } catch (err) {
            this.write(failure(object, trigger, call, err));
            throw err;
        }
    }

    private write(record: AuditRecord): void {
        this.log.info(AUDIT_MESSAGE, record);
    }
}

function failure(object: KubeObject, trigger: AuditTrigger, call: AuditCall, err: unknown): AuditRecord {
    const known = err instanceof OpenStackError ? err : undefined;
    return {
        object: describe(object),
        trigger,
        call,
        requestId: known?.requestId,
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
