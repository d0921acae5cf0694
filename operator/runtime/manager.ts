import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';

import type { KubeConfig } from '@kubernetes/client-node';

import { realClock, type Clock } from './clock.ts';
import type { BindAddress, OperatorConfig } from './config.ts';
import { Controller, type ControllerSettings } from './controller.ts';
import { close, listen, metricsRoutes, probeRoutes, type Check } from './http-server.ts';
import { EventRecorder } from './event-recorder.ts';
import { Informer, type InformerSettings } from './informer.ts';
import { kubeEventClient } from './kube-event-client.ts';
import { kubeListWatch, type ResourceRef } from './kube-list-watch.ts';
import { kubeLeaseClient } from './lease-client.ts';
import { ELECTION_PROFILES, LeaderElector, type ElectionSettings } from './leader-election.ts';
import type { Logger } from './logging.ts';
import { RuntimeMetrics } from './metrics.ts';
import type { Reconciler } from './reconcile-result.ts';
import { WorkQueue } from './workqueue.ts';

/** One controller to run: the kind it reconciles and its reconciler. */
export interface ControllerRegistration {
    name: string;
    resource: Omit<ResourceRef, 'namespace'>;
    clusterScoped: boolean;
    reconciler: Reconciler;
}

/** Named timings the manager hands to its parts; tests pass shorter ones. */
export interface ManagerTimings {
    election?: ElectionSettings;
    informer?: InformerSettings;
    controller?: ControllerSettings;
}

export interface ManagerOptions {
    config: OperatorConfig;
    kubeConfig: KubeConfig;
    log: Logger;
    clock?: Clock;
    timings?: ManagerTimings;
    /** Called when leadership is lost; the caller should stop() and exit non-zero. */
    onLeadershipLost?: () => void;
}

/**
 * Runs the operator: probes and metrics servers, one informer per kind (per watched namespace),
 * leader election when asked, and the controllers — which start only once this process leads and
 * every informer has synced. stop() is the graceful shutdown: readiness fails, controllers stop
 * taking work and finish or abort in-flight reconciles, informers stop, the lease is released.
 */
export class Manager {
    readonly metrics = new RuntimeMetrics();
    readonly identity = `${hostname()}_${randomUUID()}`;
    /** Records Events for reconcilers, aggregated; stopped with the manager. */
    readonly events: EventRecorder;
    private readonly opts: ManagerOptions;
    private readonly informers: Informer[] = [];
    private readonly controllers: Controller[] = [];
    private readonly servers: Server[] = [];
    private readonly readyChecks = new Map<string, Check>();
    private serving: Promise<void> | undefined;
    private readonly elector: LeaderElector | undefined;
    private readonly stopped = new AbortController();
    private stopping = false;
    private lost = false;
    private running = false;

    constructor(opts: ManagerOptions) {
        this.opts = opts;
        this.events = new EventRecorder({
            client: kubeEventClient(opts.kubeConfig),
            controller: 'bascule.io/operator',
            instance: this.identity,
            log: opts.log,
            ...(opts.clock ? { clock: opts.clock } : {}),
        });
        if (opts.config.leaderElect) this.elector = this.makeElector();
    }

    /** Adds a controller; call before start(). */
    add(registration: ControllerRegistration): Controller {
        const informers = this.informersFor(registration);
        const name = registration.name;
        const queue = new WorkQueue({
            clock: this.opts.clock ?? realClock,
            qps: this.opts.config.queueQps,
            burst: this.opts.config.queueBurst,
            observer: this.metrics.queueObserver(name),
        });
        this.metrics.trackInFlight(name, queue);
        const controller = new Controller({
            name,
            reconciler: registration.reconciler,
            informers,
            log: this.opts.log,
            metrics: this.metrics,
            queue,
            workers: this.opts.config.workers,
            ...(this.opts.clock ? { clock: this.opts.clock } : {}),
            ...(this.opts.timings?.controller ? { settings: this.opts.timings.controller } : {}),
            ...(this.elector ? { leadership: this.elector } : {}),
        });
        this.controllers.push(controller);
        return controller;
    }

    /**
     * Aborts when this process may no longer act on the cloud: leadership lost or released, or (when
     * not electing) the manager stopped. The signal changes when leadership is won; read it per call.
     */
    cloudSignal(): AbortSignal {
        return this.elector?.signal ?? this.stopped.signal;
    }

    /** True once every informer has listed. */
    synced(): boolean {
        return this.informers.every((informer) => informer.hasSynced());
    }

    /** Starts everything; resolves once controllers run (after winning the lease, if electing). */
    async start(): Promise<void> {
        await this.serve();
        for (const informer of this.informers) informer.start();
        this.opts.log.info('Operator started', {
            identity: this.identity,
            leaderElect: this.elector !== undefined,
        });

        await this.elector?.start();
        if (this.stopping) return;
        for (const controller of this.controllers) controller.start();
        this.running = true;
    }

    /**
     * True while this process may act on the cloud outside a reconcile (a periodic sweep): its
     * controllers run, every informer has synced and, when electing, it leads.
     */
    acting(): boolean {
        const leading = this.elector?.isLeader() ?? true;
        return this.running && !this.stopping && this.synced() && leading;
    }

    /** Graceful shutdown; safe to call more than once. */
    async stop(): Promise<void> {
        if (this.stopping) return;
        this.stopping = true;
        this.opts.log.info('Operator stopping');

        await Promise.all(this.controllers.map((controller) => controller.stop()));
        await Promise.all(this.informers.map((informer) => informer.stop()));
        this.events.stop();
        this.stopped.abort(new Error('operator stopped'));
        await this.elector?.stop();
        await Promise.all(this.servers.map(close));
        this.opts.log.info('Operator stopped');
    }

    private makeElector(): LeaderElector {
        const { config, kubeConfig, log } = this.opts;
        return new LeaderElector({
            identity: this.identity,
            client: kubeLeaseClient(kubeConfig, config.leaderElectionNamespace, config.leaderElectionId),
            log,
            ...(this.opts.clock ? { clock: this.opts.clock } : {}),
            settings: this.opts.timings?.election ?? ELECTION_PROFILES[config.settingsProfile],
            onLeaderChange: (leading) => {
                this.metrics.leader.set({ name: config.leaderElectionId }, leading ? 1 : 0);
            },
            onLost: () => {
                this.lost = true;
                this.opts.onLeadershipLost?.();
            },
        });
    }

    private informersFor(registration: ControllerRegistration): Informer[] {
        const namespaces = this.opts.config.namespaces;
        const scopes = registration.clusterScoped || namespaces.length === 0 ? [undefined] : namespaces;
        const bookmarkIntervalMs = this.opts.timings?.informer?.bookmarkIntervalMs ?? 60_000;

        const made = scopes.map((namespace) => {
            const ref = { ...registration.resource, ...(namespace === undefined ? {} : { namespace }) };
            return new Informer({
                // Namespaces come from configuration, so the label stays bounded.
                resource: [registration.resource.plural, namespace].filter(Boolean).join('/'),
                // The transport's own idle timeout sits above the informer's watchdog (two intervals).
                source: kubeListWatch(this.opts.kubeConfig, ref, 3 * bookmarkIntervalMs),
                log: this.opts.log,
                metrics: this.metrics,
                ...(this.opts.clock ? { clock: this.opts.clock } : {}),
                ...(this.opts.timings?.informer ? { settings: this.opts.timings.informer } : {}),
            });
        });
        this.informers.push(...made);
        return made;
    }

    /** Adds a /readyz check (such as the cloud's self-check); call before serve() or start(). */
    addReadyCheck(name: string, check: Check): void {
        this.readyChecks.set(name, check);
    }

    /**
     * Starts the metrics and probe servers; start() calls it too. Call it early so /healthz answers
     * while slow start-up work (the cloud's self-check) runs; /readyz stays false until it is done.
     */
    serve(): Promise<void> {
        this.serving ??= this.openServers();
        return this.serving;
    }

    /** The /readyz checks: not shutting down, every informer synced, leadership not lost. */
    readiness(): Map<string, Check> {
        return new Map<string, Check>([
            ...this.readyChecks,
            ['shutdown', () => (this.stopping ? 'shutting down' : undefined)],
            ['informers', () => (this.synced() ? undefined : 'not synced')],
            // A standby is ready (it serves nothing, and rollouts must proceed); a lost leader is not.
            ['leader', () => (this.lost ? 'leadership lost' : undefined)],
        ]);
    }

    private async openServers(): Promise<void> {
        const { metricsBindAddress: metricsAt, healthProbeBindAddress: probesAt } = this.opts.config;
        const metrics = metricsRoutes(this.metrics.registry);
        const probes = probeRoutes(new Map(), this.readiness());
        if (metricsAt !== undefined && probesAt !== undefined && sameAddress(metricsAt, probesAt)) {
            this.servers.push(await listen(metricsAt, new Map([...metrics, ...probes])));
            return;
        }
        if (metricsAt) this.servers.push(await listen(metricsAt, metrics));
        if (probesAt) this.servers.push(await listen(probesAt, probes));
    }
}

function sameAddress(a: BindAddress, b: BindAddress): boolean {
    return a.host === b.host && a.port === b.port;
}
