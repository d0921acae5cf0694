import type { Placement } from '../../openstack/placement.ts';
import type { Resources } from '../shared/resources.ts';

/** How many provider reads run at once when summing capacity. */
const READ_CONCURRENCY = 8;

/**
 * The capacity arbitration divides: Placement's own formula, `(total − reserved) × allocation
 * ratio`, summed over the arbitrated providers (those in `aggregates`, or all). Read at start and
 * then every few minutes (capacity changes when hosts come and go, not when servers do). Placement
 * has no instance inventory, so instances are bounded by vCPUs (every server takes at least one).
 */
export class CapacityView {
    private readonly placement: Pick<Placement, 'providers' | 'capacity'>;
    private readonly aggregates: readonly string[];
    private readonly now: () => number;
    private readonly refreshMs: number;
    private latest: Resources | undefined;
    private readAtMs = -Infinity;
    private reading: Promise<Resources> | undefined;

    constructor(opts: {
        placement: Pick<Placement, 'providers' | 'capacity'>;
        /** Placement aggregates whose hosts are arbitrated; empty: every host. */
        aggregates: readonly string[];
        now: () => number;
        refreshMs: number;
    }) {
        this.placement = opts.placement;
        this.aggregates = opts.aggregates;
        this.now = opts.now;
        this.refreshMs = opts.refreshMs;
    }

    /** The last capacity read, or undefined before the first. */
    current(): Resources | undefined {
        return this.latest;
    }

    /** Reads capacity again when the last read is older than the refresh interval. */
    async refresh(signal: AbortSignal): Promise<Resources> {
        if (this.latest !== undefined && this.now() - this.readAtMs < this.refreshMs) return this.latest;
        this.reading ??= this.read(signal).finally(() => {
            this.reading = undefined;
        });
        return this.reading;
    }

    private async read(signal: AbortSignal): Promise<Resources> {
        const providers = await this.placement.providers([...this.aggregates], signal);
        let cores = 0;
        let ramMiB = 0;
        for (let i = 0; i < providers.length; i += READ_CONCURRENCY) {
            const batch = providers.slice(i, i + READ_CONCURRENCY);
            const read = await Promise.all(batch.map((p) => this.placement.capacity(p.uuid, signal)));
            for (const classes of read) {
                cores += classes.VCPU?.capacity ?? 0;
                ramMiB += classes.MEMORY_MB?.capacity ?? 0;
            }
        }
        this.latest = { instances: cores, cores, ramMiB };
        this.readAtMs = this.now();
        return this.latest;
    }
}
