// RFC 7644 §3.12: error responses.
'use strict';
const { ensure, expectEqual, expectScimError } = require('../expect');

module.exports = {
  title: 'Errors',
  checks: [
    {
      name: 'an unknown id is 404 with a SCIM error body',
      cite: 'RFC 7644 §3.12',
      level: 'MUST',
      async run(ctx) {
        const body = expectScimError(await ctx.client.get(`${ctx.usersEndpoint}/00000000-0000-4000-8000-000000000000`), 404);
        ensure(typeof body.detail === 'string' && body.detail !== '', 'the error has a human-readable detail');
      },
    },
    {
      name: 'a body that is not JSON is 400 invalidSyntax',
      cite: 'RFC 7644 §3.12 (invalidSyntax)',
      level: 'MUST',
      async run(ctx) {
        expectScimError(await ctx.client.request('POST', ctx.usersEndpoint, { rawBody: '{"schemas": [' }), 400, 'invalidSyntax');
      },
    },
    {
      name: 'a missing required attribute is 400 invalidValue and creates nothing',
      cite: 'RFC 7644 §3.12 (invalidValue); RFC 7643 §4.1.1 (userName REQUIRED)',
      level: 'MUST',
      async run(ctx) {
        const displayName = ctx.unique('nouser');
        expectScimError(await ctx.client.post(ctx.usersEndpoint, { schemas: [ctx.USER_URN], displayName }), 400, 'invalidValue');
        const search = await ctx.client.get(ctx.usersEndpoint, { query: { filter: `displayName eq "${displayName}"` } });
        expectEqual(search.body?.totalResults, 0, 'users created by the invalid request');
      },
    },
    {
      name: 'a body whose schemas are not those of the resource type is 400 and creates nothing',
      cite: 'RFC 7643 §3 ("schemas" is REQUIRED and MUST only contain the "schema" and "schemaExtensions" of the resource type)',
      level: 'MUST',
      async run(ctx) {
        const userName = `${ctx.unique('schemas')}@example.com`;
        expectScimError(await ctx.client.post(ctx.usersEndpoint, { schemas: ['urn:example:params:scim:schemas:not-a-user'], userName }), 400);
        expectScimError(await ctx.client.post(ctx.usersEndpoint, { schemas: [ctx.GROUP_URN], userName }), 400);
        const search = await ctx.client.get(ctx.usersEndpoint, { query: { filter: `userName eq "${userName}"` } });
        expectEqual(search.body?.totalResults, 0, 'users created by the invalid requests');
      },
    },
    {
      name: 'a value of the wrong type is 400 invalidValue',
      cite: 'RFC 7644 §3.12 (invalidValue); RFC 7643 §2.3',
      level: 'MUST',
      async run(ctx) {
        const userName = `${ctx.unique('type')}@example.com`;
        expectScimError(await ctx.client.post(ctx.usersEndpoint, { schemas: [ctx.USER_URN], userName, active: 'maybe' }), 400, 'invalidValue');
        expectScimError(await ctx.client.post(ctx.usersEndpoint, { schemas: [ctx.USER_URN], userName, name: 'not-an-object' }), 400, 'invalidValue');
      },
    },
    {
      name: 'an unknown endpoint is 404; an unsupported method is 405',
      cite: 'RFC 7644 §3.12 (404); RFC 7231 §6.5.5 (405 with Allow)',
      level: 'MUST',
      async run(ctx) {
        expectScimError(await ctx.client.get('/NoSuchEndpoint'), 404);
        const res = await ctx.client.request('POST', `${ctx.usersEndpoint}/00000000-0000-4000-8000-000000000000`, { body: {} });
        expectScimError(res, 405);
        ensure(res.headers.get('allow'), 'a 405 carries an Allow header');
      },
    },
    {
      name: 'an error never leaks internals (no stack trace in the detail)',
      cite: 'RFC 7644 §7.1 (security considerations)',
      level: 'SHOULD',
      async run(ctx) {
        const res = await ctx.client.request('POST', ctx.usersEndpoint, { rawBody: '[1,2,3]' });
        const body = expectScimError(res, 400);
        ensure(!/\bat .+:\d+:\d+/.test(String(body.detail)), `the detail looks like a stack trace: ${body.detail}`);
      },
    },
    {
      name: '/Me, when not offered, is 501 Not Implemented',
      cite: 'RFC 7644 §3.11 ("A service provider that does NOT support this feature SHOULD respond with HTTP status code 501")',
      level: 'SHOULD',
      async run(ctx) {
        const res = await ctx.client.get('/Me');
        if (res.status === 200 || res.status === 308 || res.status === 307) return; // offered: nothing to check here
        expectScimError(res, 501);
      },
    },
  ],
};
