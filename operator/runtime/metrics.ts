import { Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { QueueObserver } from './workqueue.ts';

/** Reconcile outcomes, as controller-runtime labels them. */
export type ReconcileResultLabel = 'success' | 'error' | 'requeue' | 'requeue_after';

/** What a queue reports about the work its workers hold right now. */
export interface InFlightSource {
    inFlight(): { unfinishedSeconds: number; longestSeconds: number };
}

/** Records cloud calls; the OpenStack client takes this, never the registry itself. */
export interface CloudRequestObserver {
    /** `code` is the HTTP status as text, or a transport failure name such as `timeout`. */
    request(service: string, operation: string, code: string, seconds: number): void;
    throttled(priority: string, seconds: number): void;
}

const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const QUEUE_BUCKETS = [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1000];
const CLOUD_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Every runtime metric, in a dedicated registry (never prom-client's global one, so tests and
 * several managers in one process do not collide). Names follow controller-runtime; labels never
 * carry object names.
 */
export class RuntimeMetrics {
    readonly registry = new Registry();
    readonly reconcileTotal = this.counter('controller_runtime_reconcile_total', ['controller', 'result']);
    readonly reconcileErrors = this.counter('controller_runtime_reconcile_errors_total', ['controller']);
    readonly terminalErrors = this.counter('controller_runtime_terminal_reconcile_errors_total', [
        'controller',
    ]);
    readonly reconcileTime = this.histogram('controller_runtime_reconcile_time_seconds', ['controller']);
    readonly activeWorkers = this.gauge('controller_runtime_active_workers', ['controller']);
    readonly maxConcurrent = this.gauge('controller_runtime_max_concurrent_reconciles', ['controller']);
    readonly informerSynced = this.gauge('bascule_informer_synced', ['resource']);
    readonly informerObjects = this.gauge('bascule_informer_objects', ['resource']);
    readonly informerRestarts = this.counter('bascule_informer_watch_restarts_total', ['resource', 'reason']);
    readonly informerRelists = this.counter('bascule_informer_relists_total', ['resource']);
    readonly leader = this.gauge('leader_election_master_status', ['name']);

    private readonly queueAdds = this.counter('workqueue_adds_total', ['name']);
    private readonly queueDepth = this.gauge('workqueue_depth', ['name']);
    private readonly queueRetries = this.counter('workqueue_retries_total', ['name']);
    private readonly queueDuration = this.histogram(
        'workqueue_queue_duration_seconds',
        ['name'],
        QUEUE_BUCKETS,
    );
    private readonly workDuration = this.histogram(
        'workqueue_work_duration_seconds',
        ['name'],
        QUEUE_BUCKETS,
    );
    private readonly inFlightSources = new Map<string, InFlightSource>();
    private readonly cloudRequests = this.counter('bascule_cloud_requests_total', [
        'service',
        'operation',
        'code',
    ]);
    private readonly cloudDuration = this.histogram(
        'bascule_cloud_request_duration_seconds',
        ['service', 'operation'],
        CLOUD_BUCKETS,
    );
    private readonly throttleWait = this.histogram(
        'bascule_cloud_throttle_wait_seconds',
        ['priority'],
        CLOUD_BUCKETS,
    );

    constructor() {
        this.inFlightGauge(
            'workqueue_unfinished_work_seconds',
            (source) => source.inFlight().unfinishedSeconds,
        );
        this.inFlightGauge(
            'workqueue_longest_running_processor_seconds',
            (source) => source.inFlight().longestSeconds,
        );
    }

    /** A QueueObserver feeding the workqueue_* metrics of queue `name`. */
    queueObserver(name: string): QueueObserver {
        return {
            added: () => {
                this.queueAdds.inc({ name });
            },
            depth: (depth) => {
                this.queueDepth.set({ name }, depth);
            },
            queued: (seconds) => {
                this.queueDuration.observe({ name }, seconds);
            },
            worked: (seconds) => {
                this.workDuration.observe({ name }, seconds);
            },
            retried: () => {
                this.queueRetries.inc({ name });
            },
        };
    }

    /** Reports the in-flight work of queue `name` at every scrape. */
    trackInFlight(name: string, source: InFlightSource): void {
        this.inFlightSources.set(name, source);
    }

    /** The observer the OpenStack client records its calls with. */
    cloudObserver(): CloudRequestObserver {
        return {
            request: (service, operation, code, seconds) => {
                this.cloudRequests.inc({ service, operation, code });
                this.cloudDuration.observe({ service, operation }, seconds);
            },
            throttled: (priority, seconds) => {
                this.throttleWait.observe({ priority }, seconds);
            },
        };
    }

    private inFlightGauge(name: string, read: (source: InFlightSource) => number): void {
        const sources = this.inFlightSources;
        new Gauge({
            name,
            help:
                name === 'workqueue_longest_running_processor_seconds'
                    ? 'How long the longest-running reconcile of a work queue has run.'
                    : 'Seconds of work in progress not yet finished, per work queue.',
            labelNames: ['name'],
            registers: [this.registry],
            collect() {
                for (const [queue, source] of sources) this.set({ name: queue }, read(source));
            },
        });
    }

    private counter<L extends string>(name: string, labelNames: L[]): Counter<L> {
        return new Counter({ name, help: helpFor(name), labelNames, registers: [this.registry] });
    }

    private gauge<L extends string>(name: string, labelNames: L[]): Gauge<L> {
        return new Gauge({ name, help: helpFor(name), labelNames, registers: [this.registry] });
    }

    private histogram<L extends string>(
        name: string,
        labelNames: L[],
        buckets = RECONCILE_BUCKETS,
    ): Histogram<L> {
        return new Histogram({ name, help: helpFor(name), labelNames, buckets, registers: [this.registry] });
    }
}

/** What each runtime metric measures, as Prometheus shows it (controller-runtime's words where it has them). */
const HELP: Record<string, string> = {
    controller_runtime_reconcile_total: 'Reconciles per controller, by result.',
    controller_runtime_reconcile_errors_total: 'Reconciles that failed and will be retried with backoff.',
    controller_runtime_terminal_reconcile_errors_total:
        'Reconciles that ended in an error retrying cannot fix (the spec must change).',
    controller_runtime_reconcile_time_seconds: 'How long each reconcile took, per controller.',
    controller_runtime_active_workers: 'Workers reconciling right now, per controller.',
    controller_runtime_max_concurrent_reconciles: 'Workers per controller (--workers).',
    bascule_informer_synced: '1 once the informer of a resource has listed it and watches; 0 before.',
    bascule_informer_objects: 'Objects of a resource in the informer cache.',
    bascule_informer_watch_restarts_total: 'Watches of a resource restarted, by reason.',
    bascule_informer_relists_total:
        'Full lists of a resource (at start, and when a watch fell too far behind).',
    leader_election_master_status: '1 while this process holds the leader Lease, else 0.',
    workqueue_adds_total: 'Keys added to a work queue.',
    workqueue_depth: 'Keys waiting in a work queue.',
    workqueue_retries_total: 'Keys requeued with backoff after a failed reconcile.',
    workqueue_queue_duration_seconds: 'How long a key waited in a work queue before a worker took it.',
    workqueue_work_duration_seconds: 'How long a worker took to process a key.',
    bascule_cloud_requests_total:
        'OpenStack API calls, by service, operation and HTTP status (or timeout / transport).',
    bascule_cloud_request_duration_seconds: 'How long OpenStack API calls took, by service and operation.',
    bascule_cloud_throttle_wait_seconds: 'How long calls waited for the cloud rate limit, by priority.',
};

function helpFor(name: string): string {
    const help = HELP[name];
    if (help === undefined) throw new Error(`metric ${name} has no help text`);
    return help;
}
