// RFC 7644 §3.14 (versioning) with RFC 7232 (conditional requests).
'use strict';
const { ensure, expectEqual, expectScimError, expectStatus, excerpt } = require('../expect');

module.exports = {
  title: 'ETags',
  checks: [
    {
      name: 'responses carry an ETag equal to meta.version',
      cite: 'RFC 7644 §3.14; RFC 7643 §3.1 (meta.version)',
      level: 'MUST',
      needs: ['etag'],
      async run(ctx) {
        const user = await ctx.createUser('etag');
        const res = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${user.id}`), 200);
        const etag = res.headers.get('etag');
        ensure(etag, `no ETag header: ${excerpt(res)}`);
        expectEqual(res.body.meta?.version, etag, 'meta.version');
      },
    },
    {
      name: 'a create answers with the ETag of the new version',
      cite: 'RFC 7644 §3.14 (the ETag header is returned with each resource)',
      level: 'SHOULD',
      needs: ['etag'],
      async run(ctx) {
        const userName = `${ctx.unique('etagnew')}@example.com`;
        const res = expectStatus(await ctx.client.post(ctx.usersEndpoint, { schemas: [ctx.USER_URN], userName }), 201);
        ctx.track(ctx.usersEndpoint, res.body?.id);
        ensure(res.headers.get('etag'), `201 without an ETag header: ${excerpt(res)}`);
        expectEqual(res.body.meta?.version, res.headers.get('etag'), 'meta.version of the created resource');
      },
    },
    {
      name: 'If-Match: * matches any current version',
      cite: 'RFC 7232 §3.1',
      level: 'MUST',
      needs: ['etag'],
      async run(ctx) {
        const user = await ctx.createUser('etagstar');
        const res = await ctx.client.put(`${ctx.usersEndpoint}/${user.id}`, { schemas: [ctx.USER_URN], userName: user.userName, title: 'Any' }, { headers: { 'If-Match': '*' } });
        expectStatus(res, 200);
      },
    },
    {
      name: 'the version changes when the resource changes',
      cite: 'RFC 7644 §3.14; RFC 7232 §2.3',
      level: 'MUST',
      needs: ['etag'],
      async run(ctx) {
        const user = await ctx.createUser('etagchg');
        const put = expectStatus(await ctx.client.put(`${ctx.usersEndpoint}/${user.id}`, { schemas: [ctx.USER_URN], userName: user.userName, title: 'Changed' }), 200);
        ensure(put.headers.get('etag') && put.headers.get('etag') !== user.meta?.version, `the ETag did not change after PUT (${user.meta?.version} -> ${put.headers.get('etag')})`);
      },
    },
    {
      name: 'If-None-Match with the current ETag is 304 Not Modified',
      cite: 'RFC 7644 §3.14; RFC 7232 §3.2',
      level: 'MUST',
      needs: ['etag'],
      async run(ctx) {
        const user = await ctx.createUser('etag304');
        const res = await ctx.client.get(`${ctx.usersEndpoint}/${user.id}`, { headers: { 'If-None-Match': user.meta.version } });
        expectStatus(res, 304);
        expectEqual(res.text, '', '304 body');
        const stale = await ctx.client.get(`${ctx.usersEndpoint}/${user.id}`, { headers: { 'If-None-Match': 'W/"no-such-version"' } });
        expectStatus(stale, 200);
      },
    },
    {
      name: 'If-Match with a stale ETag is 412 and changes nothing',
      cite: 'RFC 7644 §3.14, §3.12 (412 Precondition Failed); RFC 7232 §3.1',
      level: 'MUST',
      needs: ['etag'],
      async run(ctx) {
        const user = await ctx.createUser('etag412', { title: 'Before' });
        const res = await ctx.client.put(`${ctx.usersEndpoint}/${user.id}`, { schemas: [ctx.USER_URN], userName: user.userName, title: 'After' }, { headers: { 'If-Match': 'W/"stale-version"' } });
        expectScimError(res, 412);
        const read = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${user.id}`), 200);
        expectEqual(read.body.title, 'Before', 'title after a refused PUT');
        const del = await ctx.client.delete(`${ctx.usersEndpoint}/${user.id}`, { headers: { 'If-Match': 'W/"stale-version"' } });
        expectScimError(del, 412);
        expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${user.id}`), 200);
      },
    },
    {
      name: 'If-Match with the current ETag lets the change through',
      cite: 'RFC 7644 §3.14; RFC 7232 §3.1',
      level: 'MUST',
      needs: ['etag'],
      async run(ctx) {
        const user = await ctx.createUser('etagok');
        const res = await ctx.client.put(`${ctx.usersEndpoint}/${user.id}`, { schemas: [ctx.USER_URN], userName: user.userName, title: 'Matched' }, { headers: { 'If-Match': user.meta.version } });
        expectStatus(res, 200);
        expectEqual(res.body.title, 'Matched', 'title');
        expectStatus(await ctx.client.delete(`${ctx.usersEndpoint}/${user.id}`, { headers: { 'If-Match': res.headers.get('etag') } }), 204);
      },
    },
    {
      name: 'If-Match on PATCH is enforced too',
      cite: 'RFC 7644 §3.14',
      level: 'MUST',
      needs: ['etag', 'patch'],
      async run(ctx) {
        const user = await ctx.createUser('etagpatch', { title: 'Before' });
        const res = await ctx.client.patch(
          `${ctx.usersEndpoint}/${user.id}`,
          { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'After' }] },
          { headers: { 'If-Match': 'W/"stale-version"' } },
        );
        expectScimError(res, 412);
        const read = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${user.id}`), 200);
        expectEqual(read.body.title, 'Before', 'title after a refused PATCH');
      },
    },
  ],
};
