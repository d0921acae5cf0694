// Reading the simulator's call log (/_sim/calls) for crash-consistency assertions.
import { ownerTag } from '../../../operator/controllers/shared/naming.ts';

export interface LoggedCall {
    seq: number;
    at: string;
    method: string;
    path: string;
    status: number;
    tags?: string[];
    faults: string[];
}

/** The calls the simulator at `simUrl` logged that match the filter. */
export async function loggedCalls(
    simUrl: string,
    filter: { method: string; path: string; tag?: string },
): Promise<LoggedCall[]> {
    const query = new URLSearchParams({ service: 'compute', ...filter });
    const answer = await fetch(`${simUrl}/_sim/calls?${query.toString()}`);
    return ((await answer.json()) as { calls: LoggedCall[] }).calls;
}

/** Every server create asked for with owner `uid`'s tag, committed or not. */
export function createsOf(simUrl: string, uid: string): Promise<LoggedCall[]> {
    return loggedCalls(simUrl, { method: 'POST', path: '^/v2.1/servers$', tag: ownerTag(uid) });
}

/** A create Nova carried out: answered 202, or committed while its answer was lost or came too late. */
export function committed(call: LoggedCall): boolean {
    return call.status === 202;
}

/** Every server delete the simulator was asked for. */
export function serverDeletes(simUrl: string): Promise<LoggedCall[]> {
    return loggedCalls(simUrl, { method: 'DELETE', path: '^/v2.1/servers/[^/]+$' });
}

/** The server ID a delete call names. */
export function deletedId(call: LoggedCall): string {
    return call.path.split('/').pop() ?? '';
}
