// RFC 7644 §3.4.2.2: filtering.
'use strict';
const { CheckSkipped, ensure, expectEqual, expectList, expectScimError } = require('../expect');

const ENTERPRISE_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Three users under one prefix; every filter below is and-ed with the prefix so other data never interferes. */
async function fixture(ctx) {
  if (ctx.filterFixture) return ctx.filterFixture;
  const prefix = ctx.unique('flt');
  const make = async (suffix, extra) => {
    const res = await ctx.client.post(ctx.usersEndpoint, { schemas: [ctx.USER_URN], userName: `${prefix}-${suffix}@example.com`, ...extra });
    if (res.status !== 201) throw new Error(`fixture user ${suffix}: ${res.status} ${res.text}`);
    ctx.track(ctx.usersEndpoint, res.body.id);
    return res.body;
  };
  const alice = await make('alice', {
    externalId: `Ext-Alice-${prefix}`,
    name: { givenName: 'Alice', familyName: 'Archer' },
    title: 'Engineer',
    emails: [{ value: `alice@${prefix}.example.com`, type: 'work' }, { value: `alice@home.example.org`, type: 'home' }],
    active: true,
  });
  const bob = await make('bob', { name: { givenName: 'Bob', familyName: 'Baker' }, emails: [{ value: `bob@${prefix}.example.org`, type: 'home' }], active: false });
  const carol = await make('carol', {
    schemas: [ctx.USER_URN, ENTERPRISE_URN],
    name: { givenName: 'Carol', familyName: 'Cooper' },
    title: 'Manager',
    active: true,
    [ENTERPRISE_URN]: { employeeNumber: `E-${prefix}`, department: 'Sales' },
  });
  ctx.filterFixture = { prefix, alice, bob, carol };
  return ctx.filterFixture;
}

/** Runs `filter` scoped to the fixture and returns the userNames' suffixes, sorted. */
async function matches(ctx, filter) {
  const { prefix } = await fixture(ctx);
  const res = await ctx.client.get(ctx.usersEndpoint, { query: { filter: `userName sw "${prefix}-" and (${filter})` } });
  const list = expectList(res);
  ensure(list.totalResults === list.Resources.length, `totalResults (${list.totalResults}) must count the matches (${list.Resources.length} returned)`);
  return list.Resources.map((user) => String(user.userName).slice(prefix.length + 1).replace(/@.*$/, '')).sort();
}

const check = (name, cite, level, filter, expected) => ({
  name,
  cite,
  level,
  needs: ['filter'],
  async run(ctx) {
    expectEqual(await matches(ctx, filter), expected, `users matching ${filter}`);
  },
});

module.exports = {
  title: 'Filters',
  checks: [
    check('eq', 'RFC 7644 §3.4.2.2 (eq)', 'MUST', 'name.givenName eq "Alice"', ['alice']),
    {
      name: 'eq on userName is case-insensitive (caseExact false)',
      cite: 'RFC 7644 §3.4.2.2; RFC 7643 §2.2, §4.1.1',
      level: 'MUST',
      needs: ['filter'],
      async run(ctx) {
        const { alice } = await fixture(ctx);
        expectEqual(await matches(ctx, `userName eq "${alice.userName.toUpperCase()}"`), ['alice'], 'upper-cased userName eq');
      },
    },
    check('ne', 'RFC 7644 §3.4.2.2 (ne)', 'MUST', 'name.givenName ne "Alice"', ['bob', 'carol']),
    check('co', 'RFC 7644 §3.4.2.2 (co)', 'MUST', 'name.familyName co "oop"', ['carol']),
    check('co compares case-insensitively on a caseExact false attribute', 'RFC 7644 §3.4.2.2; RFC 7643 §2.2 (caseExact)', 'MUST', 'name.familyName co "OOP"', ['carol']),
    {
      name: 'eq on externalId is case-sensitive (caseExact true)',
      cite: 'RFC 7644 §3.4.2.2; RFC 7643 §3.1 (externalId caseExact true)',
      level: 'MUST',
      needs: ['filter'],
      async run(ctx) {
        const { alice } = await fixture(ctx);
        expectEqual(await matches(ctx, `externalId eq "${alice.externalId}"`), ['alice'], 'externalId eq, same case');
        expectEqual(await matches(ctx, `externalId eq "${alice.externalId.toLowerCase()}"`), [], 'externalId eq, other case');
      },
    },
    check('sw', 'RFC 7644 §3.4.2.2 (sw)', 'MUST', 'name.familyName sw "Ba"', ['bob']),
    check('ew', 'RFC 7644 §3.4.2.2 (ew)', 'MUST', 'name.familyName ew "cher"', ['alice']),
    check('pr', 'RFC 7644 §3.4.2.2 (pr)', 'MUST', 'title pr', ['alice', 'carol']),
    check('gt / lt on a string compare lexicographically', 'RFC 7644 §3.4.2.2 (gt, lt)', 'MUST', 'name.familyName gt "Archer" and name.familyName lt "Cooper"', ['bob']),
    check('ge / le', 'RFC 7644 §3.4.2.2 (ge, le)', 'MUST', 'name.familyName ge "Baker" and name.familyName le "Cooper"', ['bob', 'carol']),
    check('pr on a multi-valued complex attribute', 'RFC 7644 §3.4.2.2 (pr)', 'MUST', 'emails pr', ['alice', 'bob']),
    check('not (pr)', 'RFC 7644 §3.4.2.2 (not)', 'MUST', 'not (title pr)', ['bob']),
    check('an extension attribute by its URN-qualified name', 'RFC 7644 §3.4.2.2; RFC 7643 §3.3', 'MUST', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales"', ['carol']),
    check('boolean eq', 'RFC 7644 §3.4.2.2 (eq on boolean)', 'MUST', 'active eq false', ['bob']),
    check('or, and, not with grouping', 'RFC 7644 §3.4.2.2 (logical operators, precedence, grouping)', 'MUST', '(name.givenName eq "Alice" or name.givenName eq "Bob") and not (active eq false)', ['alice']),
    check('and binds tighter than or', 'RFC 7644 §3.4.2.2 (precedence: and before or)', 'MUST', 'name.givenName eq "Carol" or name.givenName eq "Alice" and active eq false', ['carol']),
    check('a multi-valued attribute matches when any value does', 'RFC 7644 §3.4.2.2 (multi-valued attributes)', 'MUST', 'emails.type eq "home"', ['alice', 'bob']),
    check('complex attribute filter [ ] applies to one value', 'RFC 7644 §3.4.2.2 (valuePath)', 'MUST', 'emails[type eq "home" and value co ".org"]', ['alice', 'bob']),
    check('complex attribute filter does not mix values', 'RFC 7644 §3.4.2.2 (valuePath)', 'MUST', 'emails[type eq "work" and value ew ".org"]', []),
    check('attribute names and operators are case-insensitive', 'RFC 7644 §3.4.2.2; RFC 7643 §2.1', 'MUST', 'NAME.GIVENNAME EQ "Alice"', ['alice']),
    check('a URN-qualified attribute name', 'RFC 7644 §3.4.2.2 (attribute names may be URN-qualified)', 'MUST', 'urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "Bob"', ['bob']),
    {
      name: 'meta.lastModified compares as a dateTime',
      cite: 'RFC 7644 §3.4.2.2 (gt on dateTime)',
      level: 'MUST',
      needs: ['filter'],
      async run(ctx) {
        expectEqual(await matches(ctx, 'meta.lastModified gt "2000-01-01T00:00:00Z"'), ['alice', 'bob', 'carol'], 'lastModified after 2000');
        expectEqual(await matches(ctx, 'meta.lastModified lt "2000-01-01T00:00:00Z"'), [], 'lastModified before 2000');
      },
    },
    {
      name: 'an invalid filter is 400 invalidFilter',
      cite: 'RFC 7644 §3.4.2.2, §3.12 (invalidFilter)',
      level: 'MUST',
      needs: ['filter'],
      async run(ctx) {
        for (const filter of ['userName eq', 'userName xx "a"', '(userName eq "a"', 'userName eq "a" and']) {
          expectScimError(await ctx.client.get(ctx.usersEndpoint, { query: { filter } }), 400, 'invalidFilter');
        }
      },
    },
    {
      name: 'POST /.search takes the query in the body',
      cite: 'RFC 7644 §3.4.3',
      level: 'MAY',
      needs: ['filter'],
      async run(ctx) {
        const { prefix } = await fixture(ctx);
        const res = await ctx.client.post(`${ctx.usersEndpoint}/.search`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
          filter: `userName sw "${prefix}-" and name.givenName eq "Carol"`,
          attributes: ['userName'],
        });
        const list = expectList(res);
        expectEqual(list.Resources.map((user) => user.userName), [`${prefix}-carol@example.com`], 'POST /.search result');
        ensure(list.Resources[0].name === undefined, 'attributes=["userName"] in the search request was not applied');
      },
    },
    {
      name: 'POST /.search at the root searches every resource type',
      cite: 'RFC 7644 §3.4.3 ("a query against a server root indicates that all resources within the server SHALL be included")',
      level: 'SHALL',
      needs: ['filter'],
      async run(ctx) {
        const { prefix } = await fixture(ctx);
        const res = await ctx.client.post('/.search', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
          filter: `userName sw "${prefix}-" and name.givenName eq "Bob"`,
        });
        if (res.status === 404 || res.status === 405 || res.status === 501) throw new CheckSkipped(`root /.search is not offered (HTTP ${res.status})`);
        const list = expectList(res);
        expectEqual(list.Resources.map((found) => found.userName), [`${prefix}-bob@example.com`], 'root search result');
      },
    },
  ],
};
