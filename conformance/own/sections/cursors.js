// RFC 9865: cursor-based pagination.
'use strict';
const { ensure, expectEqual, expectList, expectScimError } = require('../expect');

async function fixture(ctx) {
  if (!ctx.cursorFixture) {
    const prefix = ctx.unique('cur');
    for (let i = 1; i <= 5; i++) {
      const res = await ctx.client.post(ctx.usersEndpoint, { schemas: [ctx.USER_URN], userName: `${prefix}-${i}@example.com` });
      if (res.status !== 201) throw new Error(`fixture user ${i}: ${res.status} ${res.text}`);
      ctx.track(ctx.usersEndpoint, res.body.id);
    }
    ctx.cursorFixture = prefix;
  }
  return ctx.cursorFixture;
}

module.exports = {
  title: 'Cursors',
  checks: [
    {
      name: 'an empty cursor starts; nextCursor walks every match once; the last page has none',
      cite: 'RFC 9865 (cursor query parameter, nextCursor: absent on the last page)',
      level: 'MUST',
      needs: ['cursor', 'filter'],
      async run(ctx) {
        const prefix = await fixture(ctx);
        const filter = `userName sw "${prefix}-"`;
        const seen = [];
        let cursor = '';
        for (let pageNo = 1; pageNo <= 10; pageNo++) {
          const list = expectList(await ctx.client.get(ctx.usersEndpoint, { query: { filter, cursor, count: '2' } }), { totalResultsOptional: true });
          ensure(list.Resources.length <= 2, `a page held ${list.Resources.length} resources with count=2`);
          if (list.totalResults !== undefined) expectEqual(list.totalResults, 5, 'totalResults');
          seen.push(...list.Resources.map((user) => user.id));
          if (list.nextCursor === undefined || list.nextCursor === null) break;
          ensure(typeof list.nextCursor === 'string' && list.nextCursor !== '', `nextCursor must be a non-empty string, got ${JSON.stringify(list.nextCursor)}`);
          cursor = list.nextCursor;
        }
        expectEqual(seen.length, 5, 'resources seen over the cursor walk');
        expectEqual(new Set(seen).size, 5, 'distinct resources over the cursor walk');
      },
    },
    {
      name: 'a cursor value the server never issued is 400 invalidCursor',
      cite: 'RFC 9865 (scimType invalidCursor for a cursor the server cannot use)',
      level: 'MUST',
      needs: ['cursor'],
      async run(ctx) {
        expectScimError(await ctx.client.get(ctx.usersEndpoint, { query: { cursor: 'bm90LWEtcmVhbC1jdXJzb3I', count: '2' } }), 400, 'invalidCursor');
      },
    },
  ],
};
