// Flavors and key pairs (which belong to users, not projects, in Nova).
import { createHash, generateKeyPairSync } from 'node:crypto';

import { isAdmin } from '../keystone/tokens.ts';
import type { Ctx } from '../router.ts';
import type { Flavor, Keypair } from '../state.ts';
import { novaError, requireObject, text, type Reply } from '../wire.ts';
import { policy } from './access.ts';
import { flavorView } from './views.ts';

export function listFlavors(ctx: Ctx, detail: boolean): Reply {
    const flavors = [...ctx.world.flavors.values()].filter((f) => f.isPublic || isAdmin(ctx));
    return { status: 200, body: { flavors: flavors.map((f) => flavorView(ctx, f, detail)) } };
}

export function showFlavor(ctx: Ctx, [id = '']: string[]): Reply {
    const flavor = ctx.world.flavors.get(id);
    if (flavor === undefined) {
        throw novaError(404, `Flavor ${id} could not be found.`);
    }
    return { status: 200, body: { flavor: flavorView(ctx, flavor, true) } };
}

export function createFlavor(ctx: Ctx): Reply {
    policy(ctx, 'os_compute_api:os-flavor-manage:create');
    const given = requireObject(ctx.body, 'flavor', (m) => novaError(400, m));
    const id = typeof given.id === 'string' ? given.id : ctx.world.random.uuid();
    if (ctx.world.flavors.has(id)) {
        throw novaError(409, `Flavor with ID ${id} already exists.`);
    }
    if ([...ctx.world.flavors.values()].some((f) => f.name === given.name)) {
        throw novaError(409, `Flavor with name ${String(given.name)} already exists.`);
    }
    const flavor: Flavor = {
        id,
        name: String(given.name),
        vcpus: Number(given.vcpus),
        ram: Number(given.ram),
        disk: Number(given.disk),
        ephemeral: Number(given['OS-FLV-EXT-DATA:ephemeral'] ?? 0),
        swap: Number(given.swap ?? 0),
        isPublic: given['os-flavor-access:is_public'] !== false,
        description: typeof given.description === 'string' ? given.description : null,
    };
    ctx.world.flavors.set(id, flavor);
    return { status: 200, body: { flavor: flavorView(ctx, flavor, true) } };
}

export function deleteFlavor(ctx: Ctx, [id = '']: string[]): Reply {
    policy(ctx, 'os_compute_api:os-flavor-manage:delete');
    if (!ctx.world.flavors.delete(id)) {
        throw novaError(404, `Flavor ${id} could not be found.`);
    }
    return { status: 202 };
}

export function flavorExtraSpecs(ctx: Ctx, [id = '']: string[]): Reply {
    showFlavor(ctx, [id]);
    return { status: 200, body: { extra_specs: {} } };
}

/** The key pair owner: the caller, or (for an admin from 2.10) the user_id asked for. */
function ownerOf(ctx: Ctx, asked: unknown): string {
    if (typeof asked === 'string' && asked !== ctx.token?.userId) {
        policy(ctx, 'os_compute_api:os-keypairs:create');
        return asked;
    }
    return ctx.token?.userId ?? '';
}

function keypairView(k: Keypair, withUser: boolean): Record<string, unknown> {
    const view: Record<string, unknown> = {
        name: k.name,
        public_key: k.publicKey,
        fingerprint: k.fingerprint,
        type: k.type,
    };
    if (withUser) {
        view.user_id = k.userId;
    }
    return view;
}

/** Nova's fingerprint of an OpenSSH public key: MD5 of the key blob, in colon-separated hex. */
function fingerprint(publicKey: string): string {
    const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? '', 'base64');
    return (createHash('md5').update(blob).digest('hex').match(/../g) ?? []).join(':');
}

export function createKeypair(ctx: Ctx): Reply {
    const given = requireObject(ctx.body, 'keypair', (m) => novaError(400, m));
    const userId = ownerOf(ctx, given.user_id);
    const name = String(given.name);
    const key = `${userId}/${name}`;
    if (ctx.world.keypairs.has(key)) {
        throw novaError(409, `Key pair '${name}' already exists.`);
    }
    const owned = [...ctx.world.keypairs.values()].filter((k) => k.userId === userId).length;
    if (owned >= ctx.world.quotaOf(ctx.token?.projectId ?? '').key_pairs) {
        throw novaError(403, 'Quota exceeded, too many key pairs.');
    }

    let privateKey: string | undefined;
    let publicKey = typeof given.public_key === 'string' ? given.public_key : '';
    if (publicKey === '') {
        const pair = generateKeyPairSync('ed25519');
        publicKey = `ssh-ed25519 ${pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64')} Generated-by-Nova`;
        privateKey = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    }

    const keypair: Keypair = {
        name,
        userId,
        publicKey,
        fingerprint: fingerprint(publicKey),
        type: text(given.type ?? 'ssh'),
        createdAt: Date.now(),
    };
    ctx.world.keypairs.set(key, keypair);
    const view = keypairView(keypair, true);
    if (privateKey !== undefined) {
        view.private_key = privateKey;
    }
    return { status: ctx.microversion >= 2 ? 201 : 200, body: { keypair: view } };
}

export function listKeypairs(ctx: Ctx): Reply {
    const userId = ownerOf(ctx, ctx.query.get('user_id') ?? undefined);
    const keypairs = [...ctx.world.keypairs.values()].filter((k) => k.userId === userId);
    return { status: 200, body: { keypairs: keypairs.map((k) => ({ keypair: keypairView(k, false) })) } };
}

function findKeypair(ctx: Ctx, name: string): Keypair {
    const userId = ownerOf(ctx, ctx.query.get('user_id') ?? undefined);
    const keypair = ctx.world.keypairs.get(`${userId}/${name}`);
    if (keypair === undefined) {
        throw novaError(404, `Keypair ${name} not found for user ${userId}`);
    }
    return keypair;
}

export function showKeypair(ctx: Ctx, [name = '']: string[]): Reply {
    return { status: 200, body: { keypair: keypairView(findKeypair(ctx, name), true) } };
}

export function deleteKeypair(ctx: Ctx, [name = '']: string[]): Reply {
    const keypair = findKeypair(ctx, name);
    ctx.world.keypairs.delete(`${keypair.userId}/${name}`);
    return { status: ctx.microversion >= 2 ? 204 : 202 };
}
