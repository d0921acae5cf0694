import { realClock, type Clock } from '../runtime/clock.ts';
import { parseCatalog, type CatalogService } from './catalog.ts';
import type { AppCredentialAuth, CloudConfig, PasswordAuth } from './clouds.ts';
import { OpenStackError } from './errors.ts';
import type { Transport } from './http.ts';
import { arr, isRecord, obj, str } from './json.ts';
import type { ClientSettings } from './settings.ts';

/** Whose token a call carries: the admin-scoped one, or one scoped to a tenant's project. */
export type Scope = { kind: 'admin' } | { kind: 'project'; projectId: string };

export const ADMIN: Scope = { kind: 'admin' };

/** An issued token and what Keystone said about it. The token is a secret: never log a Session. */
export interface Session {
    token: string;
    expiresAtMs: number;
    projectId: string | undefined;
    userId: string | undefined;
    roles: string[];
    catalog: CatalogService[];
}

/** The client settings token handling reads. */
export type IdentitySettings = Pick<ClientSettings, 'tokenRenewMarginMs' | 'tokenMaxAttempts'>;

/**
 * Keystone v3 authentication for one cloud. Sessions are cached per scope, renewed when less than
 * the renew margin remains, and shared by concurrent callers (one issue in flight per scope).
 * `invalidate` drops a token a service refused with 401, so the next call issues a fresh one.
 */
export class Identity {
    private readonly current = new Map<string, Session>();
    private readonly pending = new Map<string, Promise<Session>>();
    private readonly cloud: CloudConfig;
    private readonly transport: Transport;
    private readonly clock: Clock;
    private readonly settings: IdentitySettings;

    constructor(
        cloud: CloudConfig,
        transport: Transport,
        settings: IdentitySettings,
        clock: Clock = realClock,
    ) {
        this.cloud = cloud;
        this.transport = transport;
        this.clock = clock;
        this.settings = settings;
    }

    /** A valid session for `scope`. Application credentials only ever serve their own project. */
    async session(scope: Scope, signal?: AbortSignal): Promise<Session> {
        if (scope.kind === 'project' && this.cloud.auth.type === 'v3applicationcredential') {
            return this.ownProjectSession(scope.projectId, signal);
        }

        const key = scopeKey(scope);
        const known = this.current.get(key);
        if (known !== undefined && this.fresh(known)) return known;
        const pending = this.pending.get(key);
        if (pending !== undefined) return pending;

        // NOTE: concurrent callers share the first caller's issue, and so its abort; the runtime
        // aborts all calls together (lost leadership), so no caller loses a token it still wanted.
        const issuing = this.issue(scope, signal)
            .then((session) => {
                this.current.set(key, session);
                return session;
            })
            .finally(() => this.pending.delete(key));
        this.pending.set(key, issuing);
        return issuing;
    }

    /** Forgets `token` if it is still the cached one for `scope` (a service answered 401). */
    invalidate(scope: Scope, token: string): void {
        const key = this.cloud.auth.type === 'password' ? scopeKey(scope) : 'admin';
        if (this.current.get(key)?.token === token) this.current.delete(key);
    }

    private async ownProjectSession(projectId: string, signal?: AbortSignal): Promise<Session> {
        const own = await this.session(ADMIN, signal);
        if (own.projectId === projectId) return own;
        throw new OpenStackError({
            service: 'identity',
            operation: 'issueToken',
            kind: 'Invalid',
            status: 0,
            requestId: undefined,
            serviceMessage:
                `an application credential serves only its own project ${own.projectId ?? '?'};` +
                ` project ${projectId} is refused (use password authentication to serve others)`,
        });
    }

    private fresh(session: Session): boolean {
        return session.expiresAtMs - this.settings.tokenRenewMarginMs > this.clock.now();
    }

    private async issue(scope: Scope, signal?: AbortSignal): Promise<Session> {
        const answer = await this.transport.send({
            service: 'identity',
            operation: 'issueToken',
            method: 'POST',
            url: `${this.cloud.auth.authUrl.replace(/\/+$/, '')}/auth/tokens`,
            body: { auth: authBody(this.cloud.auth, scope) },
            signal,
            // Issuing a token changes nothing, so it is safe to send again.
            retry: 'safe',
            maxAttempts: this.settings.tokenMaxAttempts,
            priority: 'urgent',
        });
        const token = answer.headers.get('x-subject-token');
        if (token === null) throw missingToken();
        return parseSession(token, obj(answer.body, 'token'));
    }
}

/** A scope as a map key: `admin`, or `project:<id>`. */
export function scopeKey(scope: Scope): string {
    return scope.kind === 'admin' ? 'admin' : `project:${scope.projectId}`;
}

function missingToken(): OpenStackError {
    return new OpenStackError({
        service: 'identity',
        operation: 'issueToken',
        kind: 'Transient',
        status: 201,
        requestId: undefined,
        serviceMessage: 'Keystone answered without X-Subject-Token',
    });
}

function parseSession(token: string, body: Record<string, unknown>): Session {
    const expiresAt = Date.parse(str(body, 'expires_at') ?? '');
    return {
        token,
        expiresAtMs: Number.isNaN(expiresAt) ? 0 : expiresAt,
        projectId: str(obj(body, 'project'), 'id'),
        userId: str(obj(body, 'user'), 'id'),
        roles: arr(body, 'roles')
            .filter(isRecord)
            .map((r) => str(r, 'name') ?? ''),
        catalog: parseCatalog(body),
    };
}

/** The `auth` object of POST /v3/auth/tokens for `auth` and `scope`. */
export function authBody(auth: PasswordAuth | AppCredentialAuth, scope: Scope): Record<string, unknown> {
    if (auth.type === 'v3applicationcredential') {
        // Keystone refuses any explicit scope with an application credential.
        const credential = { id: auth.id, name: auth.name, secret: auth.secret, user: userRef(auth) };
        return { identity: { methods: ['application_credential'], application_credential: credential } };
    }

    const password = { user: { ...userRef(auth), password: auth.password } };
    const project = scope.kind === 'project' ? { id: scope.projectId } : configuredProject(auth);
    const identity = { methods: ['password'], password };
    return project === undefined ? { identity } : { identity, scope: { project } };
}

function userRef(auth: PasswordAuth | AppCredentialAuth): Record<string, unknown> | undefined {
    if (auth.userId !== undefined) return { id: auth.userId };
    if (auth.username === undefined) return undefined;
    return { name: auth.username, domain: domainRef(auth.userDomainId, auth.userDomainName) };
}

function configuredProject(auth: PasswordAuth): Record<string, unknown> | undefined {
    if (auth.projectId !== undefined) return { id: auth.projectId };
    if (auth.projectName === undefined) return undefined;
    return { name: auth.projectName, domain: domainRef(auth.projectDomainId, auth.projectDomainName) };
}

function domainRef(id: string | undefined, name: string | undefined): Record<string, string> {
    return id !== undefined ? { id } : { name: name ?? 'Default' };
}
