import { expect } from 'chai';

import {
    errorFromResponse,
    errorFromTransport,
    kindOfStatus,
    retryAfterOf,
    serviceMessageOf,
    type ErrorKind,
} from '../../operator/openstack/errors.ts';

const SITE = { service: 'compute', operation: 'createServer' };

describe('openstack errors: classification', () => {
    // A body is given as text, or as the key Nova and Keystone wrap their {code, message} in.
    const cases: {
        name: string;
        status: number;
        body: string | { key: string };
        kind: ErrorKind;
        message: string;
    }[] = [
        {
            name: 'a missing server',
            status: 404,
            body: { key: 'itemNotFound' },
            kind: 'NotFound',
            message: 'Instance x could not be found.',
        },
        {
            name: 'an action in the wrong state',
            status: 409,
            body: { key: 'conflictingRequest' },
            kind: 'Conflict',
            message: "Cannot 'stop' instance x while it is in vm_state stopped",
        },
        {
            name: 'a quota refusal on create',
            status: 403,
            body: { key: 'forbidden' },
            kind: 'QuotaExceeded',
            message: 'Quota exceeded for instances: Requested 1, but already used 5 of 5 instances',
        },
        {
            name: 'a policy refusal of a quota update',
            status: 403,
            body: { key: 'forbidden' },
            kind: 'PolicyForbidden',
            message: "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.",
        },
        {
            name: 'a legacy 413 quota refusal',
            status: 413,
            body: { key: 'overLimit' },
            kind: 'QuotaExceeded',
            message: 'Quota exceeded for cores',
        },
        {
            name: 'a quota below usage',
            status: 400,
            body: { key: 'badRequest' },
            kind: 'Invalid',
            message:
                'Quota limit 2 for instances must be greater than or equal to already used and reserved 5.',
        },
        {
            name: 'a Keystone conflict',
            status: 409,
            body: { key: 'error' },
            kind: 'Conflict',
            message: 'Conflict occurred attempting to store project',
        },
        {
            name: 'a Keystone 401',
            status: 401,
            body: { key: 'error' },
            kind: 'PolicyForbidden',
            message: 'The request you have made requires authentication.',
        },
        {
            name: 'a Placement outage',
            status: 503,
            body: JSON.stringify({ errors: [{ status: 503, title: 'Service Unavailable', detail: 'down' }] }),
            kind: 'Transient',
            message: 'down',
        },
        {
            name: 'a rate limit',
            status: 429,
            body: { key: 'overLimit' },
            kind: 'Transient',
            message: 'Rate limit exceeded',
        },
        {
            name: 'a Neutron not found',
            status: 404,
            body: JSON.stringify({
                NeutronError: { type: 'NetworkNotFound', message: 'Network n could not be found.' },
            }),
            kind: 'NotFound',
            message: 'Network n could not be found.',
        },
        {
            name: "Glance's HTML page",
            status: 404,
            body:
                '<html><head><title>404 Not Found</title></head>' +
                '<body><h1>404 Not Found</h1>No image found<br /></body></html>',
            kind: 'NotFound',
            message: '404 Not Found No image found',
        },
        {
            name: 'an unsupported microversion',
            status: 406,
            body: { key: 'notAcceptable' },
            kind: 'Invalid',
            message: 'Version 2.99 is not supported by the API.',
        },
        {
            name: 'an empty 500',
            status: 500,
            body: '',
            kind: 'Transient',
            message: 'no message',
        },
    ];

    for (const c of cases) {
        it(`should classify ${c.name} as ${c.kind}`, () => {
            const headers = new Headers({ 'x-openstack-request-id': 'req-1' });
            const body =
                typeof c.body === 'string'
                    ? c.body
                    : JSON.stringify({ [c.body.key]: { code: c.status, message: c.message } });
            const err = errorFromResponse(SITE, c.status, headers, body);

            expect(err.kind).to.equal(c.kind);
            expect(err.status).to.equal(c.status);
            expect(err.serviceMessage).to.equal(c.message);
            expect(err.requestId).to.equal('req-1');
            expect(err.message).to.contain('compute createServer').and.contain(c.kind);
        });
    }

    it('should take the request ID from x-compute-request-id when it is the only one', () => {
        const headers = new Headers({ 'x-compute-request-id': 'req-c' });
        expect(errorFromResponse(SITE, 500, headers, '').requestId).to.equal('req-c');
    });

    it('should keep nothing of the body but the message', () => {
        const body = JSON.stringify({ forbidden: { message: 'no', adminPass: 'hunter2' } });
        const err = errorFromResponse(SITE, 403, new Headers(), body);
        expect(JSON.stringify(err) + err.message + err.serviceMessage).not.to.contain('hunter2');
    });

    it('should cut a long message to one bounded line', () => {
        const body = JSON.stringify({ badRequest: { message: `a\n${'x'.repeat(1000)}` } });
        const message = serviceMessageOf(body);
        expect(message).not.to.contain('\n');
        expect(message.length).to.be.at.most(301);
    });

    it('should read Retry-After as seconds or as a date', () => {
        expect(retryAfterOf(new Headers({ 'retry-after': '7' }))).to.equal(7);
        const date = new Date(10_000).toUTCString();
        expect(retryAfterOf(new Headers({ 'retry-after': date }), 4_000)).to.equal(6);
        expect(retryAfterOf(new Headers())).to.equal(undefined);
    });

    const transport: { name: string; err: unknown; message: string }[] = [
        { name: 'a timeout', err: new DOMException('x', 'TimeoutError'), message: 'timed out' },
        {
            name: 'a refused connection',
            err: Object.assign(new TypeError('fetch failed http://u:p@h'), {
                cause: { code: 'ECONNREFUSED' },
            }),
            message: 'transport failure (ECONNREFUSED)',
        },
        {
            name: 'a reset',
            err: Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }),
            message: 'transport failure (ECONNRESET)',
        },
    ];
    for (const c of transport) {
        it(`should classify ${c.name} as Transient without quoting the error`, () => {
            const err = errorFromTransport(SITE, c.err);
            expect(err.kind).to.equal('Transient');
            expect(err.status).to.equal(0);
            expect(err.serviceMessage).to.equal(c.message);
        });
    }

    it('should mark an ambiguous create in its message', () => {
        const err = errorFromTransport(SITE, new Error('x')).asAmbiguous();
        expect(err.ambiguous).to.equal(true);
        expect(err.message).to.contain('outcome unknown');
    });

    it('should tell 403s apart by message only', () => {
        expect(kindOfStatus(403, 'Quota exceeded for ram')).to.equal('QuotaExceeded');
        expect(kindOfStatus(403, 'You are not authorized')).to.equal('PolicyForbidden');
    });
});
