// A cloud client wired to an in-process simulator, with recorded sleeps and call events.
import { PassThrough } from 'node:stream';

import type { Simulator } from '../../hack/openstack-sim/server.ts';
import { CloudClient } from '../../operator/openstack/cloud-client.ts';
import { resolveCloud, type CloudConfig } from '../../operator/openstack/clouds.ts';
import type { CallEvent } from '../../operator/openstack/http.ts';
import { TEST_SETTINGS, type ClientSettings } from '../../operator/openstack/settings.ts';
import type { Clock } from '../../operator/runtime/clock.ts';
import { createLogger } from '../../operator/runtime/logging.ts';

export interface Harness {
    client: CloudClient;
    sleeps: number[];
    events: CallEvent[];
}

/** The simulator's admin as a clouds.yaml entry would give it. */
export function simCloud(sim: Simulator, auth: Record<string, unknown> = {}): CloudConfig {
    const entry = {
        auth: {
            auth_url: `${sim.url}/identity/v3`,
            username: 'admin',
            password: 'admin',
            project_name: 'admin',
            user_domain_id: 'default',
            project_domain_id: 'default',
            ...auth,
        },
        region_name: 'RegionOne',
    };
    return resolveCloud('sim', 'test', entry);
}

/** A client on `cloud` whose retries sleep for no time but are recorded. */
export function harness(cloud: CloudConfig, settings: Partial<ClientSettings> = {}, clock?: Clock): Harness {
    const sleeps: number[] = [];
    const events: CallEvent[] = [];
    const client = new CloudClient({
        cloud,
        settings: { ...TEST_SETTINGS, ...settings },
        ...(clock === undefined ? {} : { clock }),
        observer: { onCall: (e) => events.push(e) },
        sleep: (ms) => {
            sleeps.push(ms);
            return Promise.resolve();
        },
        random: () => 0.5,
    });
    return { client, sleeps, events };
}

/** How many calls the simulator logged for a service, method and path pattern. */
export async function countCalls(sim: Simulator, service: string, method: string, path: string) {
    const query = new URLSearchParams({ service, method, path });
    const res = await fetch(`${sim.url}/_sim/calls?${query.toString()}`);
    return ((await res.json()) as { count: number }).count;
}

/** Whether `promise` rejects; resolves with the rejection (or undefined when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
    try {
        await promise;
        return undefined;
    } catch (err) {
        return err;
    }
}

/** A debug-level winston logger whose lines are kept, to read or scan for secrets. */
export function capturedLog() {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    return { log: createLogger('debug', stream), lines };
}
