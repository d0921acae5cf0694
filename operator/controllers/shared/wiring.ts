import type { KubeConfig } from '@kubernetes/client-node';

import type { EventRecorder } from '../../runtime/event-recorder.ts';
import type { ResourceRef } from '../../runtime/kube-list-watch.ts';
import { kubeStatusClient } from '../../runtime/kube-status-client.ts';
import type { ActuatorDeps } from './deps.ts';
import { kubeObjectClient, type Writable } from './kube-objects.ts';
import { KindReconciler, type CommonStatus, type KindActuator } from './reconciler.ts';

/** What the wiring of any kind needs besides its actuator. */
export interface WiringDeps extends ActuatorDeps {
    kubeConfig: KubeConfig;
    events: Pick<EventRecorder, 'record'>;
    /** Objects this operator serves; absent: all (tests use it to share one API server). */
    accepts?: (obj: Writable) => boolean;
}

/** The generic reconciler of one kind, over the API server's objects and status. */
export function kindReconciler<T extends Writable, S extends CommonStatus>(
    deps: WiringDeps,
    kind: {
        name: string;
        resource: Omit<ResourceRef, 'namespace'>;
        finalizer: string;
        /** Top-level status fields the arbiter owns. */
        foreignStatusFields?: readonly string[];
    },
    actuator: KindActuator<T, S>,
): KindReconciler<T, S> {
    return new KindReconciler<T, S>({
        kind: kind.name,
        finalizer: kind.finalizer,
        actuator,
        objects: kubeObjectClient(deps.kubeConfig, kind.resource),
        statuses: kubeStatusClient(deps.kubeConfig, kind.resource),
        events: deps.events,
        audit: deps.audit,
        clock: deps.clock,
        retry: deps.settings,
        ...(deps.accepts ? { accepts: deps.accepts } : {}),
        ...(kind.foreignStatusFields ? { foreignStatusFields: kind.foreignStatusFields } : {}),
    });
}
