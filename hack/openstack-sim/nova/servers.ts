// One server: show, update, delete, tags and metadata.
import { isAdmin } from '../keystone/tokens.ts';
import type { Ctx } from '../router.ts';
import type { Server } from '../state.ts';
import { isRecord, novaError, requireObject, type Reply } from '../wire.ts';
import { checkLock, findServer } from './access.ts';
import { destroy, finishDelete } from './lifecycle.ts';
import { downCell } from './list.ts';
import { serverDetail, unknownServerShow } from './views.ts';

const MAX_TAGS = 50;

export function showServer(ctx: Ctx, [id = '']: string[]): Reply {
    const server = findServer(ctx, id);
    if (ctx.microversion >= 69 && downCell(ctx)(server)) {
        return { status: 200, body: { server: unknownServerShow(ctx, server) } };
    }
    return { status: 200, body: { server: serverDetail(ctx, server, isAdmin(ctx)) } };
}

export function updateServer(ctx: Ctx, [id = '']: string[]): Reply {
    const server = findServer(ctx, id);
    checkLock(ctx, server);
    const given = requireObject(ctx.body, 'server', (m) => novaError(400, m));

    if (typeof given.name === 'string') {
        server.name = given.name;
    }
    if (typeof given.description === 'string' || given.description === null) {
        server.description = given.description;
    }
    if (typeof given.hostname === 'string' && ctx.microversion >= 90) {
        server.hostname = given.hostname;
    }
    ctx.world.touch(server);
    return { status: 200, body: { server: serverDetail(ctx, server, isAdmin(ctx)) } };
}

export function deleteServer(ctx: Ctx, [id = '']: string[]): Reply {
    const server = findServer(ctx, id);
    checkLock(ctx, server);
    if (server.taskState === 'deleting') {
        return { status: 204 };
    }

    // A server never scheduled is deleted at once, as Nova does with a build request.
    if (server.host === null && server.vmState === 'building') {
        finishDelete(ctx.world, server);
    } else {
        destroy(ctx.world, server);
    }
    return { status: 204 };
}

export function listTags(ctx: Ctx, [id = '']: string[]): Reply {
    return { status: 200, body: { tags: [...findServer(ctx, id).tags] } };
}

function validTag(tag: string): void {
    if (tag === '' || tag.length > 60 || tag.includes(',') || tag.includes('/')) {
        throw novaError(400, `Invalid input for field/attribute tag. Value: ${tag}.`);
    }
}

function setTags(ctx: Ctx, server: Server, tags: string[]): void {
    for (const tag of server.tags) {
        ctx.world.unindexTag(server, tag);
    }
    server.tags = new Set(tags);
    for (const tag of server.tags) {
        ctx.world.indexTag(server, tag);
    }
}

export function replaceTags(ctx: Ctx, [id = '']: string[]): Reply {
    const server = findServer(ctx, id);
    checkLock(ctx, server);
    const tags = isRecord(ctx.body) && Array.isArray(ctx.body.tags) ? ctx.body.tags.map(String) : undefined;
    if (tags === undefined) {
        throw novaError(
            400,
            "Invalid input for field/attribute tags. Value: None. None is not of type 'array'",
        );
    }
    tags.forEach(validTag);
    if (tags.length > MAX_TAGS) {
        throw novaError(400, `The number of tags exceeded the per-server limit ${MAX_TAGS}`);
    }
    setTags(ctx, server, tags);
    return { status: 200, body: { tags: [...server.tags] } };
}

export function checkTag(ctx: Ctx, [id = '', tag = '']: string[]): Reply {
    if (!findServer(ctx, id).tags.has(tag)) {
        throw novaError(404, `Instance ${id} has no tag '${tag}'`);
    }
    return { status: 204 };
}

export function addTag(ctx: Ctx, [id = '', tag = '']: string[]): Reply {
    const server = findServer(ctx, id);
    checkLock(ctx, server);
    validTag(tag);
    if (server.tags.has(tag)) {
        return { status: 204 };
    }
    if (server.tags.size >= MAX_TAGS) {
        throw novaError(400, `The number of tags exceeded the per-server limit ${MAX_TAGS}`);
    }
    server.tags.add(tag);
    ctx.world.indexTag(server, tag);
    return { status: 201, headers: { Location: `${ctx.serviceUrl}/v2.1/servers/${id}/tags/${tag}` } };
}

export function deleteTag(ctx: Ctx, [id = '', tag = '']: string[]): Reply {
    const server = findServer(ctx, id);
    checkLock(ctx, server);
    if (!server.tags.delete(tag)) {
        throw novaError(404, `Instance ${id} has no tag '${tag}'`);
    }
    ctx.world.unindexTag(server, tag);
    return { status: 204 };
}

export function clearTags(ctx: Ctx, [id = '']: string[]): Reply {
    const server = findServer(ctx, id);
    checkLock(ctx, server);
    setTags(ctx, server, []);
    return { status: 204 };
}

export function showMetadata(ctx: Ctx, [id = '']: string[]): Reply {
    return { status: 200, body: { metadata: findServer(ctx, id).metadata } };
}

/** POST merges, PUT replaces; both touch the server, so changes-since sees them. */
export function writeMetadata(ctx: Ctx, [id = '']: string[]): Reply {
    const server = findServer(ctx, id);
    checkLock(ctx, server);
    const given = isRecord(ctx.body) && isRecord(ctx.body.metadata) ? ctx.body.metadata : undefined;
    if (given === undefined) {
        throw novaError(400, 'Malformed request body');
    }
    const entries = Object.entries(given).map(([k, v]) => [k, String(v)] as const);
    server.metadata =
        ctx.method === 'PUT'
            ? Object.fromEntries(entries)
            : { ...server.metadata, ...Object.fromEntries(entries) };
    ctx.world.touch(server);
    return { status: 200, body: { metadata: server.metadata } };
}

export function deleteMetadataItem(ctx: Ctx, [id = '', key = '']: string[]): Reply {
    const server = findServer(ctx, id);
    checkLock(ctx, server);
    if (!(key in server.metadata)) {
        throw novaError(404, 'Metadata item was not found');
    }
    server.metadata = Object.fromEntries(Object.entries(server.metadata).filter(([k]) => k !== key));
    ctx.world.touch(server);
    return { status: 204 };
}
