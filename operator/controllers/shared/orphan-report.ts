import type { DesiredCondition } from './conditions.ts';

/** One server of this installation whose VirtualMachine is gone. */
export interface Orphan {
    serverId: string;
    serverName: string;
    projectId: string;
    /** The machine's `namespace/name` from the server's metadata. */
    owner: string;
    /** The UID its owner tag names. */
    ownerUid: string;
    /** Epoch ms this process first confirmed it (deletion, when opted in, counts from here). */
    since: number;
    /** A live machine of that namespace and name has its own server: never deleted, only reported. */
    claimed: boolean;
}

/** At most this many orphans are named in a Tenant condition; the count is always whole. */
const MAX_NAMED = 20;

/**
 * The orphans the last sweep confirmed, by project: written by the sweep, read by the Tenant
 * reconciler for its `OrphanServers` condition, so the Tenant's status keeps one writer.
 */
export class OrphanReport {
    private byProject = new Map<string, Orphan[]>();

    /** Replaces the report; returns the projects whose list changed. */
    replace(orphans: readonly Orphan[]): Set<string> {
        const next = new Map<string, Orphan[]>();
        for (const o of orphans) next.set(o.projectId, [...(next.get(o.projectId) ?? []), o]);
        const changed = new Set<string>();
        for (const project of new Set([...this.byProject.keys(), ...next.keys()])) {
            if (ids(this.byProject.get(project)) !== ids(next.get(project))) changed.add(project);
        }
        this.byProject = next;
        return changed;
    }

    forProject(projectId: string): readonly Orphan[] {
        return this.byProject.get(projectId) ?? [];
    }

    /** When `serverId` was first confirmed an orphan, if it is one now. */
    since(serverId: string): number | undefined {
        for (const list of this.byProject.values()) {
            const found = list.find((o) => o.serverId === serverId);
            if (found !== undefined) return found.since;
        }
        return undefined;
    }
}

/** The Tenant's `OrphanServers` condition: True while the project holds orphans, naming them. */
export function orphanCondition(orphans: readonly Orphan[]): DesiredCondition {
    if (orphans.length === 0) {
        return { type: 'OrphanServers', status: 'False', reason: 'Success', message: 'no orphan servers' };
    }
    const named = orphans.slice(0, MAX_NAMED).map((o) => `${o.serverName} (${o.serverId}, was ${o.owner})`);
    const more = orphans.length > MAX_NAMED ? `, and ${orphans.length - MAX_NAMED} more` : '';
    const message = `${orphans.length} servers whose VirtualMachine is gone: ${named.join(', ')}${more}`;
    return { type: 'OrphanServers', status: 'True', reason: 'OrphansFound', message };
}

function ids(list: readonly Orphan[] | undefined): string {
    return (list ?? []).map((o) => o.serverId).join(',');
}
