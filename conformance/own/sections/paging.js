// RFC 7644 §3.4.2.4: index-based pagination.
'use strict';
const { ensure, expectEqual, expectList } = require('../expect');

async function page(ctx, query) {
  if (!ctx.pageFixture) {
    const prefix = ctx.unique('pg');
    for (let i = 1; i <= 5; i++) {
      const res = await ctx.client.post(ctx.usersEndpoint, { schemas: [ctx.USER_URN], userName: `${prefix}-${i}@example.com` });
      if (res.status !== 201) throw new Error(`fixture user ${i}: ${res.status} ${res.text}`);
      ctx.track(ctx.usersEndpoint, res.body.id);
    }
    ctx.pageFixture = prefix;
  }
  const query0 = { filter: `userName sw "${ctx.pageFixture}-"`, ...(ctx.spc.sort?.supported ? { sortBy: 'userName' } : {}), ...query };
  return expectList(await ctx.client.get(ctx.usersEndpoint, { query: query0 }));
}

module.exports = {
  title: 'Paging',
  checks: [
    {
      name: 'count limits the page; totalResults counts every match; itemsPerPage is the page size',
      cite: 'RFC 7644 §3.4.2.4',
      level: 'MUST',
      needs: ['filter'],
      async run(ctx) {
        const list = await page(ctx, { startIndex: '1', count: '2' });
        expectEqual(list.totalResults, 5, 'totalResults');
        expectEqual(list.Resources.length, 2, 'resources on the page');
        expectEqual(list.itemsPerPage, 2, 'itemsPerPage');
        expectEqual(list.startIndex, 1, 'startIndex');
      },
    },
    {
      name: 'startIndex is 1-based and the pages partition the result',
      cite: 'RFC 7644 §3.4.2.4',
      level: 'MUST',
      needs: ['filter'],
      async run(ctx) {
        const seen = [];
        for (const startIndex of [1, 3, 5]) {
          const list = await page(ctx, { startIndex: String(startIndex), count: '2' });
          expectEqual(list.startIndex, startIndex, 'startIndex echoed');
          seen.push(...list.Resources.map((user) => user.id));
        }
        expectEqual(seen.length, 5, 'resources over three pages');
        expectEqual(new Set(seen).size, 5, 'distinct resources over three pages');
      },
    },
    {
      name: 'count=0 returns no resources but the total',
      cite: 'RFC 7644 §3.4.2.4 ("A value of 0 indicates that no resource results are to be returned except for totalResults")',
      level: 'MUST',
      needs: ['filter'],
      async run(ctx) {
        const list = await page(ctx, { count: '0' });
        expectEqual(list.totalResults, 5, 'totalResults');
        expectEqual(list.Resources.length, 0, 'resources');
      },
    },
    {
      name: 'startIndex below 1 is treated as 1; a negative count as 0',
      cite: 'RFC 7644 §3.4.2.4',
      level: 'SHALL',
      needs: ['filter'],
      async run(ctx) {
        const low = await page(ctx, { startIndex: '0', count: '1' });
        expectEqual(low.startIndex, 1, 'startIndex=0 answered as');
        expectEqual(low.Resources.length, 1, 'resources for startIndex=0&count=1');
        const negative = await page(ctx, { count: '-3' });
        expectEqual(negative.Resources.length, 0, 'resources for count=-3');
        expectEqual(negative.totalResults, 5, 'totalResults for count=-3');
      },
    },
    {
      name: 'a startIndex past the end gives an empty page with the total',
      cite: 'RFC 7644 §3.4.2.4',
      level: 'MUST',
      needs: ['filter'],
      async run(ctx) {
        const list = await page(ctx, { startIndex: '50', count: '10' });
        expectEqual(list.Resources.length, 0, 'resources past the end');
        expectEqual(list.totalResults, 5, 'totalResults past the end');
      },
    },
    {
      name: 'no page is larger than the advertised maxResults',
      cite: 'RFC 7643 §5 (filter.maxResults); RFC 7644 §3.4.2.4',
      level: 'MUST',
      async run(ctx) {
        const max = ctx.spc.filter?.maxResults;
        ensure(Number.isInteger(max) && max > 0, 'filter.maxResults is not advertised');
        const list = expectList(await ctx.client.get(ctx.usersEndpoint, { query: { count: String(max + 1000) } }));
        ensure(list.Resources.length <= max, `a page held ${list.Resources.length} resources, more than maxResults ${max}`);
      },
    },
  ],
};
