import type { Server } from '../../openstack/nova-views.ts';
import type { Resources } from '../shared/resources.ts';
import { ownerFromTag } from '../shared/naming.ts';

/** What the arbiter keeps of one server: where it is, what it holds, who owns it. */
interface IndexedServer {
    projectId: string;
    /** True while it holds hypervisor capacity (not offloaded, not deleted). */
    holding: boolean;
    /** True once Placement holds its allocation: it holds capacity and is past scheduling. */
    placed: boolean;
    size: Resources;
    ownerUid: string | undefined;
}

/** Statuses in which a server holds no hypervisor capacity. */
const RELEASED = new Set(['DELETED', 'SOFT_DELETED', 'SHELVED_OFFLOADED']);

/**
 * Every server of the cloud as the bulk observation last saw it, reduced to what capacity
 * arbitration counts: usage by project, telling pool replicas apart by owner tag. Fed by the one
 * all-projects listing (a complete listing replaces it, a changes-since listing updates it), so it
 * costs no cloud call of its own. A record from a down cell (UNKNOWN) changes nothing.
 */
export class ServerIndex {
    private servers = new Map<string, IndexedServer>();
    private complete = false;

    /** Takes one listing's servers; `complete` when the listing had every server. */
    update(servers: readonly Server[], complete: boolean): void {
        const next = complete ? new Map<string, IndexedServer>() : this.servers;
        for (const server of servers) {
            if (server.status === 'UNKNOWN') {
                const known = this.servers.get(server.id);
                if (known !== undefined) next.set(server.id, known);
                continue;
            }
            if (server.status === 'DELETED') {
                next.delete(server.id);
                continue;
            }
            next.set(server.id, indexed(server));
        }
        this.servers = next;
        if (complete) this.complete = true;
    }

    /** Whether a complete listing has been seen: until then usage is unknown, and nothing is granted. */
    ready(): boolean {
        return this.complete;
    }

    /** Whether the server is known and Placement holds its allocation (false while it schedules). */
    placed(id: string): boolean {
        return this.servers.get(id)?.placed ?? false;
    }

    /**
     * What servers hold, by project, leaving out those whose owner `skip` says are counted elsewhere
     * (pool replicas, which the arbiter counts per pool).
     */
    holdingByProject(skip: (ownerUid: string) => boolean): Map<string, Resources> {
        const usage = new Map<string, Resources>();
        for (const server of this.servers.values()) {
            if (!server.holding) continue;
            if (server.ownerUid !== undefined && skip(server.ownerUid)) continue;
            const sum = usage.get(server.projectId) ?? { instances: 0, cores: 0, ramMiB: 0 };
            usage.set(server.projectId, {
                instances: sum.instances + server.size.instances,
                cores: sum.cores + server.size.cores,
                ramMiB: sum.ramMiB + server.size.ramMiB,
            });
        }
        return usage;
    }
}

function indexed(server: Server): IndexedServer {
    const ownerTag = server.tags.map(ownerFromTag).find((uid) => uid !== undefined);
    const holding = !RELEASED.has(server.status);
    const scheduling = server.status === 'BUILD' && (server.taskState ?? 'scheduling') === 'scheduling';
    return {
        projectId: server.projectId,
        holding,
        placed: holding && !scheduling,
        size: { instances: 1, cores: server.flavor.vcpus, ramMiB: server.flavor.ramMb },
        ownerUid: ownerTag,
    };
}
