// RFC 7644 §2 and §3.12, RFC 6750 §3: authentication and authorization.
'use strict';
const { ensure, expectScimError, expectStatus, excerpt } = require('../expect');

module.exports = {
  title: 'Authentication',
  checks: [
    {
      name: 'a request without credentials is 401 with WWW-Authenticate',
      cite: 'RFC 7644 §2, §3.12; RFC 6750 §3',
      level: 'MUST',
      async run({ client, usersEndpoint }) {
        const res = await client.get(usersEndpoint, { token: null });
        expectScimError(res, 401);
        ensure(/^Bearer/i.test(res.headers.get('www-authenticate') ?? ''), `RFC 6750 §3: a 401 MUST include WWW-Authenticate: ${excerpt(res)}`);
      },
    },
    {
      name: 'an unknown or malformed token is 401',
      cite: 'RFC 7644 §3.12; RFC 6750 §3.1 (invalid_token)',
      level: 'MUST',
      async run({ client, usersEndpoint }) {
        expectScimError(await client.get(usersEndpoint, { token: 'not-a-valid-token-0123456789abcdef0123456789' }), 401);
        expectScimError(await client.get(usersEndpoint, { token: null, headers: { Authorization: 'non-token' } }), 401);
        expectScimError(await client.get(usersEndpoint, { token: null, headers: { Authorization: 'Basic dXNlcjpwYXNz' } }), 401);
      },
    },
    {
      name: 'an unauthenticated write changes nothing',
      cite: 'RFC 7644 §2',
      level: 'MUST',
      async run(ctx) {
        const userName = `${ctx.unique('anon')}@example.com`;
        const res = await ctx.client.post(ctx.usersEndpoint, { schemas: [ctx.USER_URN], userName }, { token: null });
        expectScimError(res, 401);
        const search = expectStatus(await ctx.client.get(ctx.usersEndpoint, { query: { filter: `userName eq "${userName}"` } }), 200);
        ensure(search.body.totalResults === 0, `the user was created despite the 401: ${excerpt(search)}`);
      },
    },
    {
      name: 'a token without write permission cannot write (403)',
      cite: 'RFC 7644 §3.12 (403: not permitted based on the supplied authorization)',
      level: 'MUST',
      needs: ['readToken'],
      async run(ctx) {
        const read = await ctx.readClient.get(ctx.usersEndpoint);
        expectStatus(read, 200);
        const res = await ctx.readClient.post(ctx.usersEndpoint, { schemas: [ctx.USER_URN], userName: `${ctx.unique('ro')}@example.com` });
        expectScimError(res, 403);
      },
    },
  ],
};
