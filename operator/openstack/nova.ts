import type { Priority } from '../runtime/priority-picker.ts';
import { AnswerCache } from './answer-cache.ts';
import type { CloudCall, CloudClient } from './cloud-client.ts';
import { isKind } from './errors.ts';
import { ADMIN, scopeKey, type Scope } from './identity.ts';
import { arr, obj, str } from './json.ts';
import {
    nextLink,
    parseFlavor,
    parseQuotaDetail,
    parseServer,
    type Flavor,
    type QuotaDetail,
    type Server,
} from './nova-views.ts';

/** What a create asks for. Bascule never uses multi-create. */
export interface ServerCreate {
    name: string;
    flavorId: string;
    imageId: string;
    /** Network IDs, or 'none'. */
    networks: string[] | 'none';
    tags: string[];
    metadata: Record<string, string>;
    keyName?: string | undefined;
    availabilityZone?: string | undefined;
    /** Base64 user data; sent, never read back. */
    userData?: string | undefined;
}

/** A bulk listing's filters; `allTenants` needs the admin scope. */
export interface ServerQuery {
    changesSince?: string;
    tags?: string[];
    tagsAny?: string[];
    allTenants?: boolean;
    pageSize?: number;
}

/** Server actions with no argument other than what their name says. */
export type SimpleAction =
    | 'os-start'
    | 'os-stop'
    | 'shelve'
    | 'shelveOffload'
    | 'unshelve'
    | 'confirmResize'
    | 'revertResize'
    | 'unlock';

export interface CallOptions {
    signal?: AbortSignal | undefined;
    priority?: Priority;
}

/**
 * Nova's calls at the negotiated microversion. Tenant-facing calls take the tenant's scope (Nova
 * creates in the project of the token); admin-only ones (all-projects listing, quotas, shelve
 * offload, locks on others' servers) use the admin scope. Every answer is parsed into an allow-listed
 * type: user data and adminPass never leave this file.
 */
export class Nova {
    private readonly client: CloudClient;
    private readonly microversion: string;
    /** Each scope's flavor list (Nova's visibility applies: private flavors differ by project). */
    private readonly flavors: AnswerCache<Flavor[]>;

    constructor(client: CloudClient, microversion: string) {
        this.client = client;
        this.microversion = microversion;
        this.flavors = new AnswerCache(client.clock, client.settings);
    }

    /**
     * Creates one server and returns its ID. Never resent: on an unknown outcome the error has
     * `ambiguous` set, and the caller waits the settle window and lists by its owner tag.
     */
    async createServer(scope: Scope, desired: ServerCreate, opts: CallOptions = {}): Promise<string> {
        const server = {
            name: desired.name,
            flavorRef: desired.flavorId,
            imageRef: desired.imageId,
            networks: desired.networks === 'none' ? 'none' : desired.networks.map((uuid) => ({ uuid })),
            tags: desired.tags,
            metadata: desired.metadata,
            key_name: desired.keyName,
            availability_zone: desired.availabilityZone,
            user_data: desired.userData,
        };
        const call = { operation: 'createServer', method: 'POST', path: '/servers', scope, body: { server } };
        const timeoutMs = this.client.settings.createTimeoutMs;
        const answer = await this.send({ ...call, ...opts, retry: 'never', timeoutMs });
        return str(obj(answer, 'server'), 'id') ?? '';
    }

    async getServer(scope: Scope, id: string, opts: CallOptions = {}): Promise<Server> {
        const answer = await this.send({
            operation: 'getServer',
            method: 'GET',
            path: `/servers/${enc(id)}`,
            scope,
            ...opts,
        });
        return parseServer(obj(answer, 'server'));
    }

    /** Every page of /servers/detail for `query`, following servers_links. */
    async listServers(scope: Scope, query: ServerQuery, opts: CallOptions = {}): Promise<Server[]> {
        const servers: Server[] = [];
        let path: string | undefined = `/servers/detail?${serverQuery(query).toString()}`;
        while (path !== undefined) {
            const answer = await this.send({ operation: 'listServers', method: 'GET', path, scope, ...opts });
            servers.push(...arr(answer, 'servers').map(parseServer));
            path = await this.relative(nextLink(answer, 'servers_links'));
        }
        return servers;
    }

    async deleteServer(scope: Scope, id: string, opts: CallOptions = {}): Promise<void> {
        await this.send({
            operation: 'deleteServer',
            method: 'DELETE',
            path: `/servers/${enc(id)}`,
            scope,
            ...opts,
        });
    }

    async addTag(scope: Scope, id: string, tag: string, opts: CallOptions = {}): Promise<void> {
        const path = `/servers/${enc(id)}/tags/${enc(tag)}`;
        await this.send({ operation: 'addServerTag', method: 'PUT', path, scope, ...opts });
    }

    async removeTag(scope: Scope, id: string, tag: string, opts: CallOptions = {}): Promise<void> {
        const path = `/servers/${enc(id)}/tags/${enc(tag)}`;
        await this.send({ operation: 'removeServerTag', method: 'DELETE', path, scope, ...opts });
    }

    /** Replaces every tag of the server. */
    async setTags(scope: Scope, id: string, tags: string[], opts: CallOptions = {}): Promise<void> {
        const path = `/servers/${enc(id)}/tags`;
        await this.send({ operation: 'setServerTags', method: 'PUT', path, scope, body: { tags }, ...opts });
    }

    /** Merges `metadata` into the server's (keys not named are kept). */
    async updateMetadata(scope: Scope, id: string, metadata: Record<string, string>, opts: CallOptions = {}) {
        const path = `/servers/${enc(id)}/metadata`;
        const call = { operation: 'updateServerMetadata', method: 'POST', path, scope, body: { metadata } };
        await this.send({ ...call, ...opts, retry: 'safe' });
    }

    async deleteMetadataItem(scope: Scope, id: string, key: string, opts: CallOptions = {}): Promise<void> {
        const path = `/servers/${enc(id)}/metadata/${enc(key)}`;
        await this.send({ operation: 'deleteServerMetadata', method: 'DELETE', path, scope, ...opts });
    }

    /** Start, stop, shelve, offload, unshelve, confirm or revert a resize, unlock. */
    async action(scope: Scope, id: string, action: SimpleAction, opts: CallOptions = {}): Promise<void> {
        await this.serverAction(scope, id, action, { [action]: null }, opts);
    }

    async resize(scope: Scope, id: string, flavorId: string, opts: CallOptions = {}): Promise<void> {
        await this.serverAction(scope, id, 'resize', { resize: { flavorRef: flavorId } }, opts);
    }

    /** Locks with a reason; Bascule's own locks carry its reserved reason prefix. */
    async lock(scope: Scope, id: string, reason: string, opts: CallOptions = {}): Promise<void> {
        await this.serverAction(scope, id, 'lock', { lock: { locked_reason: reason } }, opts);
    }

    /** Lifts a lock; one an admin set needs the admin scope (Nova's unlock_override). */
    async unlock(scope: Scope, id: string, opts: CallOptions = {}): Promise<void> {
        await this.serverAction(scope, id, 'unlock', { unlock: null }, opts);
    }

    async listFlavors(scope: Scope, opts: CallOptions = {}): Promise<Flavor[]> {
        const answer = await this.send({
            operation: 'listFlavors',
            method: 'GET',
            path: '/flavors/detail',
            scope,
            ...opts,
        });
        return arr(answer, 'flavors').map(parseFlavor);
    }

    /**
     * The flavors visible to `scope` that `ref` names (by ID when it has one, else by name), from the
     * scope's flavor list as the client's reference cache keeps it: listed once for many machines,
     * and again at once when the cached list has none or several that match.
     */
    async findFlavors(scope: Scope, ref: { id?: string; name?: string }, opts: CallOptions = {}) {
        const list = () => this.listFlavors(scope, { ...(opts.priority ? { priority: opts.priority } : {}) });
        const matching = (flavors: Flavor[]) =>
            flavors.filter((f) => (ref.id !== undefined ? f.id === ref.id : f.name === ref.name));
        return this.flavors.find(scopeKey(scope), list, matching, opts.signal);
    }

    /** Whether Bascule's user has a key pair named `name`. */
    async hasKeypair(name: string, opts: CallOptions = {}): Promise<boolean> {
        const path = `/os-keypairs/${enc(name)}`;
        return this.send({ operation: 'getKeypair', method: 'GET', path, scope: ADMIN, ...opts }).then(
            () => true,
            (err: unknown) => (isKind(err, 'NotFound') ? false : Promise.reject(err as Error)),
        );
    }

    /** Registers a public key under Bascule's own user. */
    async importKeypair(name: string, publicKey: string, opts: CallOptions = {}): Promise<void> {
        const body = { keypair: { name, public_key: publicKey, type: 'ssh' } };
        const call = { operation: 'importKeypair', method: 'POST', path: '/os-keypairs', scope: ADMIN, body };
        // A second import of the same name is a 409, so a resend cannot duplicate it.
        await this.send({ ...call, ...opts, retry: 'safe' });
    }

    async getQuotaDetail(projectId: string, opts: CallOptions = {}): Promise<QuotaDetail> {
        const path = `/os-quota-sets/${enc(projectId)}/detail`;
        return parseQuotaDetail(
            await this.send({ operation: 'getQuota', method: 'GET', path, scope: ADMIN, ...opts }),
        );
    }

    /** Sets the named limits; Nova refuses (Invalid) a limit below current usage. */
    async updateQuota(projectId: string, limits: Record<string, number>, opts: CallOptions = {}) {
        const path = `/os-quota-sets/${enc(projectId)}`;
        const body = { quota_set: limits };
        await this.send({ operation: 'updateQuota', method: 'PUT', path, scope: ADMIN, body, ...opts });
    }

    private async serverAction(scope: Scope, id: string, name: string, body: unknown, opts: CallOptions) {
        const path = `/servers/${enc(id)}/action`;
        // An action sent twice is at worst a 409 (wrong state), never a second effect.
        const call = {
            operation: `action:${name}`,
            method: 'POST',
            path,
            scope,
            body,
            retry: 'safe',
        } as const;
        await this.send({ ...call, ...opts });
    }

    private async send(call: Omit<CloudCall, 'service'>): Promise<unknown> {
        const headers = { 'OpenStack-API-Version': `compute ${this.microversion}`, ...call.headers };
        const answer = await this.client.call({ ...call, service: 'compute', headers });
        return answer.body;
    }

    // Nova's links are absolute; our calls take paths relative to the compute endpoint.
    private async relative(href: string | undefined): Promise<string | undefined> {
        if (href === undefined) return undefined;
        const base = await this.client.endpoint('compute');
        const url = new URL(href);
        const basePath = new URL(base).pathname.replace(/\/+$/, '');
        return url.pathname.startsWith(basePath)
            ? `${url.pathname.slice(basePath.length)}${url.search}`
            : undefined;
    }
}

function serverQuery(query: ServerQuery): URLSearchParams {
    const params = new URLSearchParams();
    if (query.changesSince !== undefined) params.set('changes-since', query.changesSince);
    if (query.tags !== undefined) params.set('tags', query.tags.join(','));
    if (query.tagsAny !== undefined) params.set('tags-any', query.tagsAny.join(','));
    if (query.allTenants === true) params.set('all_tenants', '1');
    if (query.pageSize !== undefined) params.set('limit', String(query.pageSize));
    return params;
}

function enc(part: string): string {
    return encodeURIComponent(part);
}
