// RFC 7644 §3.4.2.5, §3.9 and RFC 7643 §2.4, §7: attributes, excludedAttributes and the "returned" characteristic.
'use strict';
const { ensure, expectEqual, expectList, expectStatus, excerpt } = require('../expect');

async function subject(ctx) {
  if (!ctx.attributesUser) {
    ctx.attributesUser = await ctx.createUser('attr', {
      name: { givenName: 'Attr', familyName: 'Ibute', formatted: 'Attr Ibute' },
      displayName: 'Attr Ibute',
      title: 'Tester',
      emails: [{ value: 'attr@example.com', type: 'work' }, { value: 'attr@example.org', type: 'home' }],
    });
  }
  return ctx.attributesUser;
}

module.exports = {
  title: 'Attributes',
  checks: [
    {
      name: 'attributes= returns only those attributes, plus id and schemas (returned "always")',
      cite: 'RFC 7644 §3.4.2.5, §3.9; RFC 7643 §2.4',
      level: 'MUST',
      async run(ctx) {
        const user = await subject(ctx);
        const res = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${user.id}`, { query: { attributes: 'displayName' } }), 200);
        expectEqual(res.body.displayName, 'Attr Ibute', 'displayName');
        ensure(res.body.id === user.id && Array.isArray(res.body.schemas), `id and schemas are always returned: ${excerpt(res)}`);
        for (const absent of ['title', 'emails', 'name', 'userName']) ensure(res.body[absent] === undefined, `"${absent}" was not requested but returned: ${excerpt(res)}`);
      },
    },
    {
      name: 'attributes= takes sub-attributes',
      cite: 'RFC 7644 §3.9 (attribute names in dotted form)',
      level: 'MUST',
      async run(ctx) {
        const user = await subject(ctx);
        const res = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${user.id}`, { query: { attributes: 'name.givenName,emails.value' } }), 200);
        expectEqual(res.body.name, { givenName: 'Attr' }, 'name with attributes=name.givenName');
        expectEqual((res.body.emails ?? []).map((email) => Object.keys(email)), [['value'], ['value']], 'email keys with attributes=emails.value');
      },
    },
    {
      name: 'excludedAttributes= removes attributes but never id and schemas',
      cite: 'RFC 7644 §3.4.2.5, §3.9',
      level: 'MUST',
      async run(ctx) {
        const user = await subject(ctx);
        const res = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${user.id}`, { query: { excludedAttributes: 'emails,title,id,schemas' } }), 200);
        ensure(res.body.emails === undefined && res.body.title === undefined, `emails and title were excluded but returned: ${excerpt(res)}`);
        ensure(res.body.id === user.id && Array.isArray(res.body.schemas), 'id and schemas are returned "always", even when excluded');
        expectEqual(res.body.displayName, 'Attr Ibute', 'displayName (not excluded)');
      },
    },
    {
      name: 'attributes= applies to every resource in a list',
      cite: 'RFC 7644 §3.4.2.5',
      level: 'MUST',
      needs: ['filter'],
      async run(ctx) {
        const user = await subject(ctx);
        const list = expectList(await ctx.client.get(ctx.usersEndpoint, { query: { filter: `id eq "${user.id}"`, attributes: 'userName' } }));
        expectEqual(list.Resources.length, 1, 'resources');
        expectEqual(Object.keys(list.Resources[0]).filter((key) => !['id', 'schemas', 'userName'].includes(key)), [], 'extra keys with attributes=userName');
      },
    },
    {
      name: 'attribute names in attributes= are case-insensitive and may be URN-qualified',
      cite: 'RFC 7643 §2.1; RFC 7644 §3.10',
      level: 'MUST',
      async run(ctx) {
        const user = await subject(ctx);
        const res = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${user.id}`, { query: { attributes: 'TITLE,urn:ietf:params:scim:schemas:core:2.0:User:displayName' } }), 200);
        expectEqual(res.body.title, 'Tester', 'title via attributes=TITLE');
        expectEqual(res.body.displayName, 'Attr Ibute', 'displayName via its URN-qualified name');
      },
    },
    {
      name: 'a "returned": "never" attribute stays out even when requested',
      cite: 'RFC 7643 §2.4, §7 (returned "never": "SHALL NOT be returned", e.g. password)',
      level: 'SHALL',
      needs: ['filter'],
      async run(ctx) {
        const user = await ctx.createUser('never', { password: 'Another-Long-Passw0rd' });
        const one = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${user.id}`, { query: { attributes: 'password,userName' } }), 200);
        ensure(one.body.password === undefined, `password returned on request: ${excerpt(one)}`);
        const listResponse = await ctx.client.get(ctx.usersEndpoint, { query: { filter: `id eq "${user.id}"`, attributes: 'password' } });
        const list = expectList(listResponse);
        expectEqual(list.Resources.length, 1, 'resources found by id');
        ensure(list.Resources[0].password === undefined, `password returned in a list: ${excerpt(listResponse)}`);
      },
    },
  ],
};
