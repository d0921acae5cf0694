// Glance, just enough: list and show images, by name and ID.
import { dispatch, route, type Ctx, type Route } from './router.ts';
import type { Image } from './state.ts';
import { glanceError, type Reply } from './wire.ts';

function imageView(image: Image): unknown {
    const created = new Date(image.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return {
        id: image.id,
        name: image.name,
        status: 'active',
        visibility: 'public',
        protected: false,
        os_hidden: false,
        disk_format: 'qcow2',
        container_format: 'bare',
        size: 21233664,
        virtual_size: null,
        min_disk: 0,
        min_ram: 0,
        checksum: null,
        owner: null,
        tags: [],
        created_at: created,
        updated_at: created,
        self: `/v2/images/${image.id}`,
        file: `/v2/images/${image.id}/file`,
        schema: '/v2/schemas/image',
    };
}

function listImages(ctx: Ctx): Reply {
    const q = ctx.query;
    const images = [...ctx.world.images.values()].filter(
        (i) => (!q.has('name') || i.name === q.get('name')) && (!q.has('id') || i.id === q.get('id')),
    );
    return {
        status: 200,
        body: { images: images.map(imageView), first: '/v2/images', schema: '/v2/schemas/images' },
    };
}

function showImage(ctx: Ctx, [id = '']: string[]): Reply {
    const image = ctx.world.images.get(id);
    if (image === undefined) {
        throw glanceError(404, `No image found with ID ${id}`);
    }
    return { status: 200, body: imageView(image) };
}

const ROUTES: Route[] = [route('GET', '/v2/images', listImages), route('GET', '/v2/images/{id}', showImage)];

export function handleImage(ctx: Ctx): Reply {
    if (ctx.path === '/' || ctx.path === '' || ctx.path === '/versions') {
        const links = [{ rel: 'self', href: `${ctx.serviceUrl}/v2/` }];
        return { status: 300, body: { versions: [{ id: 'v2.16', status: 'CURRENT', links }] } };
    }
    return dispatch(ROUTES, ctx, (status) => glanceError(status, 'The resource could not be found.'));
}

export function isPublic(ctx: Ctx): boolean {
    return ctx.path === '/' || ctx.path === '' || ctx.path === '/versions';
}
