// The log of calls received, read by tests through /_sim/calls (for example to count creates per owner tag).

export interface CallRecord {
    seq: number;
    at: string;
    service: string;
    method: string;
    path: string;
    query: string;
    status: number;
    requestId: string;
    projectId: string | null;
    userId: string | null;
    /** For server creates: the name and tags asked for, so creates can be counted per owner. */
    serverName?: string;
    tags?: string[];
    /** For server actions: the action's name (the body's one key), so tests can check their order. */
    action?: string;
    faults: string[];
}

/** Oldest records go first once the log holds this many. */
const MAX_RECORDS = 200_000;

export interface CallFilter {
    service?: string;
    method?: string;
    path?: string;
    tag?: string;
}

export class CallLog {
    private records: CallRecord[] = [];
    private seq = 0;

    add(record: Omit<CallRecord, 'seq'>): void {
        this.records.push({ ...record, seq: ++this.seq });
        if (this.records.length > MAX_RECORDS) {
            this.records = this.records.slice(MAX_RECORDS / 10);
        }
    }

    clear(): void {
        this.records = [];
    }

    find(filter: CallFilter): CallRecord[] {
        const path = filter.path === undefined ? undefined : new RegExp(filter.path);
        return this.records.filter(
            (r) =>
                (filter.service === undefined || r.service === filter.service) &&
                (filter.method === undefined || r.method === filter.method.toUpperCase()) &&
                (path === undefined || path.test(r.path)) &&
                (filter.tag === undefined || (r.tags ?? []).includes(filter.tag)),
        );
    }
}
