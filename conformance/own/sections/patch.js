// RFC 7644 §3.5.2: modifying with PATCH.
'use strict';
const { ensure, expectEqual, expectScimError, expectStatus, excerpt } = require('../expect');

const PATCH_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Applies a PATCH and returns the resource as stored afterwards (a 204 answer is followed by a GET). */
async function patch(ctx, endpoint, id, operations) {
  const res = await ctx.client.patch(`${endpoint}/${id}`, { schemas: [PATCH_URN], Operations: operations });
  expectStatus(res, 200, 204);
  const read = expectStatus(await ctx.client.get(`${endpoint}/${id}`), 200);
  if (res.status === 200) {
    ensure(res.body?.id === id, `RFC 7644 §3.5.2: a 200 answer carries the entire resource: ${excerpt(res)}`);
  }
  return read.body;
}

const USER_PATCH = ['patch'];

module.exports = {
  title: 'PATCH',
  checks: [
    {
      name: 'add sets a single-valued attribute and appends to a multi-valued one',
      cite: 'RFC 7644 §3.5.2.1',
      level: 'MUST',
      needs: USER_PATCH,
      async run(ctx) {
        const user = await ctx.createUser('padd', { emails: [{ value: 'one@example.com', type: 'work' }] });
        const after = await patch(ctx, ctx.usersEndpoint, user.id, [
          { op: 'add', path: 'title', value: 'Captain' },
          { op: 'add', path: 'emails', value: [{ value: 'two@example.com', type: 'home' }] },
        ]);
        expectEqual(after.title, 'Captain', 'title');
        expectEqual((after.emails ?? []).map((email) => email.value).sort(), ['one@example.com', 'two@example.com'], 'emails');
      },
    },
    {
      name: 'add without a path merges the value into the resource',
      cite: 'RFC 7644 §3.5.2.1 ("If omitted, the target location is assumed to be the resource itself")',
      level: 'MUST',
      needs: USER_PATCH,
      async run(ctx) {
        const user = await ctx.createUser('paddnopath', { name: { givenName: 'Keep', familyName: 'Me' } });
        const after = await patch(ctx, ctx.usersEndpoint, user.id, [{ op: 'add', value: { title: 'Pilot', name: { middleName: 'Q' } } }]);
        expectEqual(after.title, 'Pilot', 'title');
        expectEqual(after.name, { givenName: 'Keep', familyName: 'Me', middleName: 'Q' }, 'name merged');
      },
    },
    {
      name: 'replace changes a value; a sub-attribute path touches only that sub-attribute',
      cite: 'RFC 7644 §3.5.2.3',
      level: 'MUST',
      needs: USER_PATCH,
      async run(ctx) {
        const user = await ctx.createUser('prep', { name: { givenName: 'Old', familyName: 'Family' }, active: true });
        const after = await patch(ctx, ctx.usersEndpoint, user.id, [
          { op: 'replace', path: 'name.givenName', value: 'New' },
          { op: 'replace', path: 'active', value: false },
        ]);
        expectEqual(after.name, { givenName: 'New', familyName: 'Family' }, 'name');
        expectEqual(after.active, false, 'active');
      },
    },
    {
      name: 'replace with a value filter changes only the matching values',
      cite: 'RFC 7644 §3.5.2.3 (valuePath filter)',
      level: 'MUST',
      needs: USER_PATCH,
      async run(ctx) {
        const user = await ctx.createUser('prepf', { emails: [{ value: 'w@example.com', type: 'work' }, { value: 'h@example.com', type: 'home' }] });
        const after = await patch(ctx, ctx.usersEndpoint, user.id, [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'w2@example.com' }]);
        const byType = Object.fromEntries((after.emails ?? []).map((email) => [email.type, email.value]));
        expectEqual(byType, { work: 'w2@example.com', home: 'h@example.com' }, 'emails by type');
      },
    },
    {
      name: 'remove deletes an attribute; remove with a filter deletes only matching values',
      cite: 'RFC 7644 §3.5.2.2',
      level: 'MUST',
      needs: USER_PATCH,
      async run(ctx) {
        const user = await ctx.createUser('prem', { title: 'Gone', emails: [{ value: 'w@example.com', type: 'work' }, { value: 'h@example.com', type: 'home' }] });
        const after = await patch(ctx, ctx.usersEndpoint, user.id, [
          { op: 'remove', path: 'title' },
          { op: 'remove', path: 'emails[type eq "home"]' },
        ]);
        ensure(after.title === undefined, `title still present after remove: ${JSON.stringify(after)}`);
        expectEqual((after.emails ?? []).map((email) => email.type), ['work'], 'remaining email types');
      },
    },
    {
      name: 'remove without a path is 400 noTarget',
      cite: 'RFC 7644 §3.5.2.2 ("If "path" is unspecified, the operation fails with HTTP status code 400 and a "scimType" error code of "noTarget"")',
      level: 'MUST',
      needs: USER_PATCH,
      async run(ctx) {
        const user = await ctx.createUser('premnt');
        expectScimError(await ctx.client.patch(`${ctx.usersEndpoint}/${user.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'remove' }] }), 400, 'noTarget');
      },
    },
    {
      name: 'an invalid path is 400 invalidPath',
      cite: 'RFC 7644 §3.5.2, §3.12 (invalidPath)',
      level: 'MUST',
      needs: USER_PATCH,
      async run(ctx) {
        const user = await ctx.createUser('pinv');
        expectScimError(await ctx.client.patch(`${ctx.usersEndpoint}/${user.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'emails[type eq', value: 'x' }] }), 400, 'invalidPath');
      },
    },
    {
      name: 'a PATCH is atomic: one failing operation leaves the resource unchanged',
      cite: 'RFC 7644 §3.5.2 ("A PATCH request ... SHALL be treated as atomic")',
      level: 'MUST',
      needs: USER_PATCH,
      async run(ctx) {
        const user = await ctx.createUser('patom', { title: 'Before' });
        const res = await ctx.client.patch(`${ctx.usersEndpoint}/${user.id}`, {
          schemas: [PATCH_URN],
          Operations: [
            { op: 'replace', path: 'title', value: 'After' },
            { op: 'replace', path: 'active', value: 'not-a-boolean' },
          ],
        });
        expectScimError(res, 400);
        const read = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${user.id}`), 200);
        expectEqual(read.body.title, 'Before', 'title after a failed PATCH');
      },
    },
    {
      name: 'changing a readOnly or immutable attribute is 400 mutability',
      cite: 'RFC 7644 §3.5.2 (mutability), §3.12',
      level: 'MUST',
      needs: USER_PATCH,
      async run(ctx) {
        const user = await ctx.createUser('pmut');
        expectScimError(await ctx.client.patch(`${ctx.usersEndpoint}/${user.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'id', value: 'other' }] }), 400, 'mutability');
      },
    },
    {
      name: 'removing or unassigning a required attribute is 400 mutability and changes nothing',
      cite: 'RFC 7644 §3.5.2.2 ("If an attribute is removed or becomes unassigned and is defined as a required attribute [...] mutability")',
      level: 'MUST',
      needs: USER_PATCH,
      async run(ctx) {
        const user = await ctx.createUser('preq');
        const url = `${ctx.usersEndpoint}/${user.id}`;
        expectScimError(await ctx.client.patch(url, { schemas: [PATCH_URN], Operations: [{ op: 'remove', path: 'userName' }] }), 400, 'mutability');
        expectScimError(await ctx.client.patch(url, { schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'userName', value: null }] }), 400, 'mutability');
        const read = expectStatus(await ctx.client.get(url), 200);
        expectEqual(read.body.userName, user.userName, 'userName after the refused PATCHes');
      },
    },
    {
      name: 'a PATCH body without the PatchOp schema or Operations is 400',
      cite: 'RFC 7644 §3.5.2 (the body MUST contain "schemas" with the PatchOp URN and "Operations")',
      level: 'MUST',
      needs: USER_PATCH,
      async run(ctx) {
        const user = await ctx.createUser('pbody');
        expectScimError(await ctx.client.patch(`${ctx.usersEndpoint}/${user.id}`, { schemas: [PATCH_URN] }), 400);
        expectScimError(await ctx.client.patch(`${ctx.usersEndpoint}/${user.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'frobnicate', path: 'title', value: 'x' }] }), 400);
      },
    },
    {
      name: 'PATCH on an unknown id is 404',
      cite: 'RFC 7644 §3.5.2, §3.12',
      level: 'MUST',
      needs: USER_PATCH,
      async run(ctx) {
        expectScimError(
          await ctx.client.patch(`${ctx.usersEndpoint}/00000000-0000-4000-8000-000000000000`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'title', value: 'x' }] }),
          404,
        );
      },
    },
    {
      name: 'a URN-qualified path reaches an extension attribute',
      cite: 'RFC 7644 §3.5.2 (attribute paths per §3.10, may be URN-qualified)',
      level: 'MUST',
      needs: USER_PATCH,
      async run(ctx) {
        const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
        const user = await ctx.createUser('purn', { schemas: [ctx.USER_URN, ENTERPRISE], [ENTERPRISE]: { employeeNumber: '1', department: 'Ops' } });
        const after = await patch(ctx, ctx.usersEndpoint, user.id, [{ op: 'replace', path: `${ENTERPRISE}:employeeNumber`, value: '2' }]);
        expectEqual(after[ENTERPRISE], { employeeNumber: '2', department: 'Ops' }, 'enterprise extension');
      },
    },
    {
      name: 'replace on an attribute without a value acts as add',
      cite: 'RFC 7644 §3.5.2.3 ("If the target location path specifies an attribute that does not exist, the service provider SHALL treat the operation as an "add"")',
      level: 'SHALL',
      needs: USER_PATCH,
      async run(ctx) {
        const user = await ctx.createUser('preplabs');
        const after = await patch(ctx, ctx.usersEndpoint, user.id, [{ op: 'replace', path: 'nickName', value: 'Nick' }]);
        expectEqual(after.nickName, 'Nick', 'nickName');
      },
    },
    {
      name: 'remove of a multi-valued attribute without a filter removes every value',
      cite: 'RFC 7644 §3.5.2.2 ("If the target location is a multi-valued attribute and no filter is specified, the attribute and all values are removed")',
      level: 'SHALL',
      needs: USER_PATCH,
      async run(ctx) {
        const user = await ctx.createUser('premall', { emails: [{ value: 'a@example.com' }, { value: 'b@example.com' }], title: 'Stays' });
        const after = await patch(ctx, ctx.usersEndpoint, user.id, [{ op: 'remove', path: 'emails' }]);
        ensure(after.emails === undefined, `emails still present: ${JSON.stringify(after.emails)}`);
        expectEqual(after.title, 'Stays', 'title');
      },
    },
    {
      name: 'a successful PATCH bumps the version',
      cite: 'RFC 7644 §3.14, §3.5.2',
      level: 'MUST',
      needs: ['patch', 'etag'],
      async run(ctx) {
        const user = await ctx.createUser('pver');
        const after = await patch(ctx, ctx.usersEndpoint, user.id, [{ op: 'replace', path: 'title', value: 'New' }]);
        ensure(after.meta?.version && after.meta.version !== user.meta?.version, `meta.version did not change (${user.meta?.version} -> ${after.meta?.version})`);
      },
    },
  ],
};
