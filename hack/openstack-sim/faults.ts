// Fault rules: which requests misbehave, and how. Settable at start and through /_sim/faults.
import type { Random } from './random.ts';

export type FaultAction =
    /** Answer this status in the service's error format. A Keystone outage is a 503 rule on identity. */
    | { kind: 'error'; status: number; message?: string }
    | { kind: 'rateLimit'; retryAfterSeconds: number }
    /** Answer normally, late. */
    | { kind: 'delay'; ms: number }
    /** Never answer: the client times out. The connection is closed when the simulator stops. */
    | { kind: 'timeout' }
    /** Close the connection without an answer, doing nothing. */
    | { kind: 'drop' }
    /** Do the work, then close the connection without an answer: a create committed while its response is lost. */
    | { kind: 'lostResponse' }
    /** Hold the request `ms` (past the client's timeout), then do the work: committed after the client gave up. */
    | { kind: 'commitAfter'; ms: number }
    /** Servers created by matching requests fail to build, with this fault. */
    | { kind: 'buildFailure'; message?: string }
    /** Servers resized by matching requests fail on the destination: ERROR with this fault, old flavor kept. */
    | { kind: 'resizeFailure'; message?: string }
    /** Server records in matching answers come from a down cell (status UNKNOWN). */
    | { kind: 'downCell'; serverIds?: string[] };

export interface FaultRule {
    id?: string;
    /** identity, compute, placement, image or network; any when absent. */
    service?: string;
    method?: string;
    /** A regular expression tested against the path under the service's prefix, e.g. ^/v2.1/servers$. */
    path?: string;
    /** Chance that a matching request is hit; 1 when absent. */
    probability?: number;
    /** How many more requests it hits; unlimited when absent. */
    count?: number;
    action: FaultAction;
}

export interface RequestKey {
    service: string;
    method: string;
    path: string;
}

export class FaultTable {
    private rules: FaultRule[] = [];
    private nextId = 1;
    private readonly random: Random;

    constructor(random: Random, rules: FaultRule[]) {
        this.random = random;
        for (const rule of rules) {
            this.add(rule);
        }
    }

    add(rule: FaultRule): FaultRule {
        validateRule(rule);
        const stored = { ...rule, id: rule.id ?? `fault-${this.nextId++}` };
        this.rules.push(stored);
        return stored;
    }

    remove(id: string): boolean {
        const before = this.rules.length;
        this.rules = this.rules.filter((rule) => rule.id !== id);
        return this.rules.length < before;
    }

    clear(): void {
        this.rules = [];
    }

    list(): FaultRule[] {
        return this.rules.map((rule) => ({ ...rule }));
    }

    /** The actions that hit this request, consuming one use of each counted rule that fires. */
    draw(key: RequestKey): FaultAction[] {
        const hits: FaultAction[] = [];
        for (const rule of this.rules) {
            if (!matches(rule, key) || this.random.next() >= (rule.probability ?? 1)) {
                continue;
            }
            if (rule.count !== undefined) {
                rule.count--;
            }
            hits.push(rule.action);
        }
        this.rules = this.rules.filter((rule) => rule.count === undefined || rule.count > 0);
        return hits;
    }
}

function matches(rule: FaultRule, key: RequestKey): boolean {
    if (rule.service !== undefined && rule.service !== key.service) {
        return false;
    }
    if (rule.method !== undefined && rule.method.toUpperCase() !== key.method) {
        return false;
    }
    return rule.path === undefined || new RegExp(rule.path).test(key.path);
}

const KINDS = new Set([
    'error',
    'rateLimit',
    'delay',
    'timeout',
    'drop',
    'lostResponse',
    'commitAfter',
    'buildFailure',
    'resizeFailure',
    'downCell',
]);

function validateRule(rule: FaultRule): void {
    if (typeof rule !== 'object' || typeof rule.action !== 'object' || !KINDS.has(rule.action.kind)) {
        throw new Error(`a fault rule needs an action whose kind is one of ${[...KINDS].join(', ')}`);
    }
    if (rule.path !== undefined) {
        new RegExp(rule.path);
    }
}
