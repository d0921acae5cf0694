// Nova v2.1's routes, under /compute, with microversion negotiation on every versioned call.
import { dispatch, route, type Ctx, type Route } from '../router.ts';
import { HttpError, novaError, type Reply } from '../wire.ts';
import { serverAction } from './actions.ts';
import { createServer } from './create.ts';
import * as flavors from './flavors.ts';
import { listServers } from './list.ts';
import * as quota from './quota.ts';
import * as servers from './servers.ts';
import { negotiate, version, versionHeaders, versions } from './version.ts';

const ROUTES: Route[] = [
    route('GET', '/v2.1/servers', (ctx) => listServers(ctx, false)),
    route('GET', '/v2.1/servers/detail', (ctx) => listServers(ctx, true)),
    route('POST', '/v2.1/servers', createServer),
    route('GET', '/v2.1/servers/{id}', servers.showServer),
    route('PUT', '/v2.1/servers/{id}', servers.updateServer),
    route('DELETE', '/v2.1/servers/{id}', servers.deleteServer),
    route('POST', '/v2.1/servers/{id}/action', serverAction),
    route('GET', '/v2.1/servers/{id}/tags', servers.listTags),
    route('PUT', '/v2.1/servers/{id}/tags', servers.replaceTags),
    route('DELETE', '/v2.1/servers/{id}/tags', servers.clearTags),
    route('GET', '/v2.1/servers/{id}/tags/{tag}', servers.checkTag),
    route('PUT', '/v2.1/servers/{id}/tags/{tag}', servers.addTag),
    route('DELETE', '/v2.1/servers/{id}/tags/{tag}', servers.deleteTag),
    route('GET', '/v2.1/servers/{id}/metadata', servers.showMetadata),
    route('POST', '/v2.1/servers/{id}/metadata', servers.writeMetadata),
    route('PUT', '/v2.1/servers/{id}/metadata', servers.writeMetadata),
    route('DELETE', '/v2.1/servers/{id}/metadata/{key}', servers.deleteMetadataItem),
    route('GET', '/v2.1/flavors', (ctx) => flavors.listFlavors(ctx, false)),
    route('GET', '/v2.1/flavors/detail', (ctx) => flavors.listFlavors(ctx, true)),
    route('POST', '/v2.1/flavors', flavors.createFlavor),
    route('GET', '/v2.1/flavors/{id}', flavors.showFlavor),
    route('DELETE', '/v2.1/flavors/{id}', flavors.deleteFlavor),
    route('GET', '/v2.1/flavors/{id}/os-extra_specs', flavors.flavorExtraSpecs),
    route('GET', '/v2.1/os-keypairs', flavors.listKeypairs),
    route('POST', '/v2.1/os-keypairs', flavors.createKeypair),
    route('GET', '/v2.1/os-keypairs/{name}', flavors.showKeypair),
    route('DELETE', '/v2.1/os-keypairs/{name}', flavors.deleteKeypair),
    route('GET', '/v2.1/os-quota-sets/{id}', quota.showQuota),
    route('PUT', '/v2.1/os-quota-sets/{id}', quota.updateQuota),
    route('DELETE', '/v2.1/os-quota-sets/{id}', quota.deleteQuota),
    route('GET', '/v2.1/os-quota-sets/{id}/detail', quota.showQuotaDetail),
    route('GET', '/v2.1/os-quota-sets/{id}/defaults', quota.showDefaults),
    route('GET', '/v2.1/limits', quota.limits),
];

export function isPublic(ctx: Ctx): boolean {
    return ctx.path === '/' || ctx.path === '' || /^\/v2\.1\/?$/.test(ctx.path);
}

export function handleCompute(ctx: Ctx): Reply {
    if (ctx.path === '/' || ctx.path === '') {
        return versions(ctx);
    }
    // A version Nova cannot read or serve is refused before one is set, so that error names none.
    const minor = negotiate(ctx);
    ctx.microversion = minor;
    const reply = answerVersioned(ctx);
    return { ...reply, headers: { ...versionHeaders(minor), ...reply.headers } };
}

/**
 * Nova's wsgi.Fault gives an error the negotiated version headers too, and a JSON body in UTF-8;
 * anything but an HttpError is a crash, answered as a 500 outside the versioned layer.
 */
function answerVersioned(ctx: Ctx): Reply {
    try {
        return /^\/v2\.1\/?$/.test(ctx.path)
            ? version(ctx)
            : dispatch(ROUTES, ctx, (status) =>
                  status === 405
                      ? novaError(405, 'The method specified is not allowed for this resource.')
                      : novaError(404, 'The resource could not be found.'),
              );
    } catch (error) {
        if (!(error instanceof HttpError)) {
            throw error;
        }
        const headers = { 'Content-Type': 'application/json; charset=UTF-8', ...error.reply.headers };
        return { ...error.reply, headers };
    }
}
