import type { EventRecorder } from '../../runtime/event-recorder.ts';
import type { Logger } from '../../runtime/logging.ts';
import type { ActuatorDeps } from '../shared/deps.ts';
import type { ObjectClient } from '../shared/kube-objects.ts';
import type { OrphanReport } from '../shared/orphan-report.ts';

/** A Tenant as the sweep names it in Events and metric labels. */
export interface TenantRef {
    name: string;
    uid: string;
}

/** What the sweep of this installation's servers works with. */
export interface SweepDeps extends ActuatorDeps {
    log: Logger;
    events: Pick<EventRecorder, 'record'>;
    /** Live reads of VirtualMachines by `namespace/name`. */
    machines: ObjectClient;
    report: OrphanReport;
    /** The key of a machine this process has reconciled, by UID (a hint; live reads decide). */
    knownOwner(uid: string): string | undefined;
    /** The Tenant whose project this is, as its reconciler last saw it. */
    tenantOf(projectId: string): TenantRef | undefined;
    /** Hands a server to the machine of `uid` for re-adoption (its reconciler records and retags it). */
    offer(uid: string, serverId: string): void;
    enqueueMachine(key: string): void;
    enqueueTenant(name: string): void;
    /** True while this process may act: informers synced and, when electing, leading. */
    acting(): boolean;
    /** Aborts in-flight calls on lost leadership; read it per pass. */
    signal(): AbortSignal;
}
