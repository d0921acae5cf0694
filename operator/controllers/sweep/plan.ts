import type { Server } from '../../openstack/nova-views.ts';
import { ownerFromTag } from '../shared/naming.ts';

/** This installation's servers by the owner UID their tag names; untagged ones are left out. */
export function groupByOwner(servers: readonly Server[]): Map<string, Server[]> {
    const groups = new Map<string, Server[]>();
    for (const server of servers) {
        // Gone or going: nothing to decide about it.
        if (server.status === 'DELETED' || server.taskState === 'deleting') continue;
        for (const uid of server.tags.map(ownerFromTag)) {
            if (uid === undefined) continue;
            groups.set(uid, [...(groups.get(uid) ?? []), server]);
        }
    }
    return groups;
}

/** What the sweep knows of the owning machine, from a live read. */
export interface OwnerState {
    serverID: string | undefined;
    /** A create attempt is recorded and not yet settled. */
    createPending: boolean;
}

/** The reaper's decision for one owner: the server kept, the extras to delete now. */
export interface ReapPlan {
    keep: string | undefined;
    remove: string[];
    /** Why nothing (or not everything) is removed yet, for the log. */
    held?: string;
}

/**
 * Which of an owner's servers to delete. The server recorded in status is kept, else the oldest
 * (as the create's settling step adopts the oldest); nothing is decided while a create is unsettled,
 * while a server reads UNKNOWN (a down cell), or when the recorded server is not in the group (the
 * listing and the status disagree). An extra younger than the settle window is held: it may be an
 * in-flight create whose ID is not in status yet.
 */
export function planReap(servers: readonly Server[], owner: OwnerState, nowMs: number, settleMs: number) {
    const none = (held: string): ReapPlan => ({ keep: owner.serverID, remove: [], held });
    if (servers.length <= 1) return { keep: servers[0]?.id, remove: [] } satisfies ReapPlan;
    if (servers.some((s) => s.status === 'UNKNOWN')) return none('a server reads UNKNOWN');

    let keep = owner.serverID;
    if (keep === undefined) {
        if (owner.createPending) return none('a create is settling');
        keep = oldest(servers).id;
    } else if (!servers.some((s) => s.id === keep)) {
        return none('the recorded server is not among the tagged ones');
    }

    const extras = servers.filter((s) => s.id !== keep);
    const settled = extras.filter((s) => nowMs - Date.parse(s.created) >= settleMs);
    const plan: ReapPlan = { keep, remove: settled.map((s) => s.id) };
    return settled.length < extras.length
        ? { ...plan, held: 'an extra is younger than the settle window' }
        : plan;
}

/** The oldest server (by Nova's `created`, then ID so the choice is stable). */
export function oldest(servers: readonly Server[]): Server {
    const sorted = [...servers].sort(
        (a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id),
    );
    const [first] = sorted;
    if (first === undefined) throw new Error('no servers');
    return first;
}
