// RFC 7644 §3.4.2.3: sorting.
'use strict';
const { expectEqual, expectList } = require('../expect');

async function sorted(ctx, query) {
  if (!ctx.sortFixture) {
    const prefix = ctx.unique('srt');
    const fixtures = [
      ['x', 'moss', [{ value: 'b@example.com' }, { value: 'z@example.com', primary: true }]],
      ['y', 'Abbot', [{ value: 'y@example.com', primary: true }, { value: 'a@example.com' }]],
      ['z', 'Zeller', [{ value: 'c@example.com' }]],
    ];
    for (const [suffix, family, emails] of fixtures) {
      const res = await ctx.client.post(ctx.usersEndpoint, { schemas: [ctx.USER_URN], userName: `${prefix}-${suffix}@example.com`, name: { familyName: family }, emails });
      if (res.status !== 201) throw new Error(`fixture user ${suffix}: ${res.status} ${res.text}`);
      ctx.track(ctx.usersEndpoint, res.body.id);
    }
    ctx.sortFixture = prefix;
  }
  const list = expectList(await ctx.client.get(ctx.usersEndpoint, { query: { filter: `userName sw "${ctx.sortFixture}-"`, ...query } }));
  return list.Resources.map((user) => user.name?.familyName);
}

module.exports = {
  title: 'Sorting',
  checks: [
    {
      name: 'sortBy orders ascending by default, case-insensitively for a caseExact false attribute',
      cite: 'RFC 7644 §3.4.2.3 (sortOrder defaults to "ascending"; case-insensitive attributes sort case-insensitively)',
      level: 'MUST',
      needs: ['sort', 'filter'],
      async run(ctx) {
        expectEqual(await sorted(ctx, { sortBy: 'name.familyName' }), ['Abbot', 'moss', 'Zeller'], 'sortBy=name.familyName');
      },
    },
    {
      name: 'sortOrder=descending reverses the order',
      cite: 'RFC 7644 §3.4.2.3',
      level: 'MUST',
      needs: ['sort', 'filter'],
      async run(ctx) {
        expectEqual(await sorted(ctx, { sortBy: 'name.familyName', sortOrder: 'descending' }), ['Zeller', 'moss', 'Abbot'], 'sortOrder=descending');
      },
    },
    {
      name: 'sortBy takes attribute names in any case',
      cite: 'RFC 7643 §2.1 (attribute names are case-insensitive)',
      level: 'MUST',
      needs: ['sort', 'filter'],
      async run(ctx) {
        expectEqual(await sorted(ctx, { sortBy: 'NAME.FAMILYNAME', sortOrder: 'ascending' }), ['Abbot', 'moss', 'Zeller'], 'sortBy=NAME.FAMILYNAME');
      },
    },
    {
      name: 'a multi-valued sortBy uses the primary value, else the first',
      cite: 'RFC 7644 §3.4.2.3 ("if it is a multi-valued attribute, resources MUST be sorted by the value of the primary attribute")',
      level: 'MUST',
      needs: ['sort', 'filter'],
      async run(ctx) {
        // primary values: moss z@, Abbot y@; Zeller has no primary, its first value is c@.
        expectEqual(await sorted(ctx, { sortBy: 'emails.value' }), ['Zeller', 'Abbot', 'moss'], 'sortBy=emails.value');
      },
    },
  ],
};
