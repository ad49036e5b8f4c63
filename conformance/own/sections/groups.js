// RFC 7643 §4.2 (Group), §4.1.2 (User.groups) and RFC 7644 §3.5.2 (membership changes by PATCH).
'use strict';
const { ensure, expectEqual, expectList, expectScimError, expectStatus, excerpt } = require('../expect');

const PATCH_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const memberIds = (group) => (group.members ?? []).map((member) => member.value).sort();

module.exports = {
  title: 'Groups',
  checks: [
    {
      name: 'POST creates a group with members; GET returns them',
      cite: 'RFC 7643 §4.2; RFC 7644 §3.3',
      level: 'MUST',
      needs: ['groups'],
      async run(ctx) {
        const a = await ctx.createUser('gma');
        const b = await ctx.createUser('gmb');
        const group = await ctx.createGroup('grp', { members: [{ value: a.id }, { value: b.id }] });
        ensure(group.schemas?.includes(ctx.GROUP_URN), `the group lists the Group schema: ${JSON.stringify(group)}`);
        const read = expectStatus(await ctx.client.get(`${ctx.groupsEndpoint}/${group.id}`), 200);
        expectEqual(memberIds(read.body), [a.id, b.id].sort(), 'member ids');
        expectEqual(read.body.meta?.resourceType, 'Group', 'meta.resourceType');
      },
    },
    {
      name: 'a duplicate displayName is refused with 409 uniqueness, or both groups exist with distinct ids',
      cite: 'RFC 7643 §4.2 (displayName uniqueness is "none"); RFC 7644 §3.3',
      level: 'MUST',
      needs: ['groups'],
      async run(ctx) {
        const group = await ctx.createGroup('gdup');
        const again = await ctx.client.post(ctx.groupsEndpoint, { schemas: [ctx.GROUP_URN], displayName: group.displayName });
        if (again.status === 201) {
          ctx.track(ctx.groupsEndpoint, again.body?.id);
          ensure(again.body.id !== group.id, 'two creates returned the same id');
        } else {
          expectScimError(again, 409, 'uniqueness');
        }
      },
    },
    {
      name: "a user's groups attribute reflects its memberships (readOnly)",
      cite: 'RFC 7643 §4.1.2 (groups: "mutability readOnly ... derived from group membership")',
      level: 'MUST',
      needs: ['groups'],
      async run(ctx) {
        const user = await ctx.createUser('gref');
        const group = await ctx.createGroup('gref', { members: [{ value: user.id }] });
        const read = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${user.id}`), 200);
        expectEqual((read.body.groups ?? []).map((entry) => entry.value), [group.id], 'user.groups values');
      },
    },
    {
      name: 'PATCH add and remove single members, leaving the others',
      cite: 'RFC 7644 §3.5.2.1, §3.5.2.2 (members[value eq "..."])',
      level: 'MUST',
      needs: ['groups', 'patch'],
      async run(ctx) {
        const a = await ctx.createUser('gpa');
        const b = await ctx.createUser('gpb');
        const c = await ctx.createUser('gpc');
        const group = await ctx.createGroup('gp', { members: [{ value: a.id }, { value: b.id }] });
        const add = await ctx.client.patch(`${ctx.groupsEndpoint}/${group.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'add', path: 'members', value: [{ value: c.id }] }] });
        expectStatus(add, 200, 204);
        let read = expectStatus(await ctx.client.get(`${ctx.groupsEndpoint}/${group.id}`), 200);
        expectEqual(memberIds(read.body), [a.id, b.id, c.id].sort(), 'members after add');
        const remove = await ctx.client.patch(`${ctx.groupsEndpoint}/${group.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'remove', path: `members[value eq "${a.id}"]` }] });
        expectStatus(remove, 200, 204);
        read = expectStatus(await ctx.client.get(`${ctx.groupsEndpoint}/${group.id}`), 200);
        expectEqual(memberIds(read.body), [b.id, c.id].sort(), 'members after remove');
      },
    },
    {
      name: 'excludedAttributes=members leaves the members out',
      cite: 'RFC 7644 §3.9',
      level: 'MUST',
      needs: ['groups'],
      async run(ctx) {
        const user = await ctx.createUser('gex');
        const group = await ctx.createGroup('gex', { members: [{ value: user.id }] });
        const read = expectStatus(await ctx.client.get(`${ctx.groupsEndpoint}/${group.id}`, { query: { excludedAttributes: 'members' } }), 200);
        ensure(read.body.members === undefined, `members returned despite excludedAttributes=members: ${excerpt(read)}`);
        expectEqual(read.body.displayName, group.displayName, 'displayName');
      },
    },
    {
      name: 'filter groups by displayName and by member',
      cite: 'RFC 7644 §3.4.2.2',
      level: 'MUST',
      needs: ['groups', 'filter'],
      async run(ctx) {
        const user = await ctx.createUser('gfl');
        const group = await ctx.createGroup('gfl', { members: [{ value: user.id }] });
        const byName = expectList(await ctx.client.get(ctx.groupsEndpoint, { query: { filter: `displayName eq "${group.displayName}"` } }));
        expectEqual(byName.Resources.map((found) => found.id), [group.id], 'groups by displayName');
        const byMember = expectList(await ctx.client.get(ctx.groupsEndpoint, { query: { filter: `members.value eq "${user.id}"` } }));
        expectEqual(byMember.Resources.map((found) => found.id), [group.id], 'groups by members.value');
      },
    },
    {
      name: 'deleting a user removes it from its groups',
      cite: 'RFC 7644 §3.6 (a deleted resource is no longer returned, including as a reference)',
      level: 'SHOULD',
      needs: ['groups'],
      async run(ctx) {
        const a = await ctx.createUser('gdel');
        const b = await ctx.createUser('gkeep');
        const group = await ctx.createGroup('gdel', { members: [{ value: a.id }, { value: b.id }] });
        expectStatus(await ctx.client.delete(`${ctx.usersEndpoint}/${a.id}`), 204);
        const read = expectStatus(await ctx.client.get(`${ctx.groupsEndpoint}/${group.id}`), 200);
        expectEqual(memberIds(read.body), [b.id], 'members after deleting a user');
      },
    },
    {
      name: 'PATCH replace members sets exactly the given members',
      cite: 'RFC 7644 §3.5.2.3',
      level: 'MUST',
      needs: ['groups', 'patch'],
      async run(ctx) {
        const a = await ctx.createUser('gra');
        const b = await ctx.createUser('grb');
        const c = await ctx.createUser('grc');
        const group = await ctx.createGroup('grep', { members: [{ value: a.id }, { value: b.id }] });
        const res = await ctx.client.patch(`${ctx.groupsEndpoint}/${group.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'members', value: [{ value: c.id }] }] });
        expectStatus(res, 200, 204);
        const read = expectStatus(await ctx.client.get(`${ctx.groupsEndpoint}/${group.id}`), 200);
        expectEqual(memberIds(read.body), [c.id], 'members after replace');
      },
    },
    {
      name: 'PUT on a group replaces its members and displayName',
      cite: 'RFC 7644 §3.5.1',
      level: 'MUST',
      needs: ['groups'],
      async run(ctx) {
        const a = await ctx.createUser('gputa');
        const b = await ctx.createUser('gputb');
        const group = await ctx.createGroup('gput', { members: [{ value: a.id }] });
        const displayName = ctx.unique('gput-renamed');
        const res = await ctx.client.put(`${ctx.groupsEndpoint}/${group.id}`, { schemas: [ctx.GROUP_URN], displayName, members: [{ value: b.id }] });
        expectStatus(res, 200);
        const read = expectStatus(await ctx.client.get(`${ctx.groupsEndpoint}/${group.id}`), 200);
        expectEqual(read.body.displayName, displayName, 'displayName');
        expectEqual(memberIds(read.body), [b.id], 'members');
      },
    },
  ],
};
