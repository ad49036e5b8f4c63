// RFC 7644 §3.3-§3.6: creating, retrieving, replacing and deleting resources.
'use strict';
const { ensure, expectEqual, expectScimError, expectStatus, excerpt } = require('../expect');

const ENTERPRISE_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

module.exports = {
  title: 'CRUD',
  checks: [
    {
      name: 'POST creates: 201, Location, and the created representation with id and meta',
      cite: 'RFC 7644 §3.3',
      level: 'SHALL',
      async run(ctx) {
        const userName = `${ctx.unique('create')}@example.com`;
        const res = await ctx.client.post(ctx.usersEndpoint, {
          schemas: [ctx.USER_URN],
          userName,
          name: { givenName: 'Barbara', familyName: 'Jensen' },
          emails: [{ value: userName, type: 'work', primary: true }],
          active: true,
        });
        expectStatus(res, 201);
        const body = res.body;
        ctx.track(ctx.usersEndpoint, body?.id);
        ensure(typeof body?.id === 'string' && body.id !== '', `the response carries the new id: ${excerpt(res)}`);
        ensure(body.schemas?.includes(ctx.USER_URN), 'the response lists the User schema');
        expectEqual(body.userName, userName, 'userName');
        expectEqual(body.name?.givenName, 'Barbara', 'name.givenName');
        const location = res.headers.get('location');
        ensure(location, 'RFC 7644 §3.3: the Location header SHALL hold the URI of the new resource');
        ensure(body.meta?.location === location, `meta.location (${body.meta?.location}) equals the Location header (${location})`);
        ensure(body.meta?.resourceType === 'User', 'meta.resourceType is "User" (RFC 7643 §3.1)');
        ensure(!Number.isNaN(Date.parse(body.meta?.created)) && !Number.isNaN(Date.parse(body.meta?.lastModified)), 'meta.created and meta.lastModified are dateTimes');
      },
    },
    {
      name: 'the id is assigned by the service provider; a client-sent id is ignored',
      cite: 'RFC 7643 §3.1 (id: mutability readOnly, issued by the service provider)',
      level: 'MUST',
      async run(ctx) {
        const created = await ctx.createUser('clientid', { id: 'client-chosen-id' });
        ensure(created.id !== 'client-chosen-id', 'the server used the id the client sent');
      },
    },
    {
      name: 'GET /Users/{id} returns the resource; the password is never returned',
      cite: 'RFC 7644 §3.4.1; RFC 7643 §4.1.1 (password: returned "never")',
      level: 'MUST',
      async run(ctx) {
        const created = await ctx.createUser('read', { password: 'Correct-Horse-Battery-9', name: { givenName: 'Read', familyName: 'Me' } });
        ensure(created.password === undefined, 'the create response returned the password');
        const res = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${created.id}`), 200);
        expectEqual(res.body.id, created.id, 'id');
        expectEqual(res.body.name?.familyName, 'Me', 'name.familyName');
        ensure(res.body.password === undefined, `GET returned the password: ${excerpt(res)}`);
      },
    },
    {
      name: 'a duplicate userName is 409 uniqueness, compared case-insensitively',
      cite: 'RFC 7644 §3.3; RFC 7643 §4.1.1 (userName: caseExact false, uniqueness server)',
      level: 'MUST',
      async run(ctx) {
        const first = await ctx.createUser('dup');
        const again = await ctx.client.post(ctx.usersEndpoint, { schemas: [ctx.USER_URN], userName: first.userName.toUpperCase() });
        if (again.status === 201) ctx.track(ctx.usersEndpoint, again.body?.id);
        expectScimError(again, 409, 'uniqueness');
      },
    },
    {
      name: 'PUT replaces the resource: omitted attributes are cleared, readOnly ones ignored',
      cite: 'RFC 7644 §3.5.1',
      level: 'MUST',
      async run(ctx) {
        const created = await ctx.createUser('put', { name: { givenName: 'Old', familyName: 'Name' }, title: 'Engineer', active: true });
        const res = await ctx.client.put(`${ctx.usersEndpoint}/${created.id}`, {
          schemas: [ctx.USER_URN],
          id: created.id,
          userName: created.userName,
          name: { givenName: 'New', familyName: 'Name' },
          active: false,
          meta: { resourceType: 'Ignored', created: '2000-01-01T00:00:00Z' },
        });
        expectStatus(res, 200);
        expectEqual(res.body.name?.givenName, 'New', 'name.givenName after PUT');
        expectEqual(res.body.active, false, 'active after PUT');
        ensure(res.body.title === undefined, `"title" was omitted from the PUT and must be cleared: ${excerpt(res)}`);
        expectEqual(res.body.meta?.created, created.meta.created, 'meta.created (readOnly) after PUT');
        ensure(Date.parse(res.body.meta?.lastModified) >= Date.parse(created.meta.lastModified), 'meta.lastModified moved backwards on PUT');
        const read = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${created.id}`), 200);
        expectEqual(read.body.active, false, 'active as stored');
        ensure(read.body.title === undefined, 'title is still stored after the PUT');
      },
    },
    {
      name: 'PUT to an unknown id is 404 and creates nothing',
      cite: 'RFC 7644 §3.5.1, §3.12',
      level: 'MUST',
      async run(ctx) {
        const userName = `${ctx.unique('ghost')}@example.com`;
        expectScimError(await ctx.client.put(`${ctx.usersEndpoint}/00000000-0000-4000-8000-000000000000`, { schemas: [ctx.USER_URN], userName }), 404);
        const search = await ctx.client.get(ctx.usersEndpoint, { query: { filter: `userName eq "${userName}"` } });
        ensure(search.body?.totalResults === 0, `PUT to an unknown id created a user: ${excerpt(search)}`);
      },
    },
    {
      name: 'DELETE answers 204, then the resource is gone (404)',
      cite: 'RFC 7644 §3.6',
      level: 'MUST',
      async run(ctx) {
        const created = await ctx.createUser('delete');
        const res = await ctx.client.delete(`${ctx.usersEndpoint}/${created.id}`);
        expectStatus(res, 204);
        expectScimError(await ctx.client.get(`${ctx.usersEndpoint}/${created.id}`), 404);
        expectScimError(await ctx.client.delete(`${ctx.usersEndpoint}/${created.id}`), 404);
      },
    },
    {
      name: 'the Enterprise User extension is stored and returned under its URN',
      cite: 'RFC 7643 §4.3, §3.3 (extension attributes under the schema URN)',
      level: 'MUST',
      async run(ctx) {
        const created = await ctx.createUser('ent', {
          schemas: [ctx.USER_URN, ENTERPRISE_URN],
          [ENTERPRISE_URN]: { employeeNumber: '701984', department: 'Tour Operations' },
        });
        const res = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${created.id}`), 200);
        ensure(res.body.schemas?.includes(ENTERPRISE_URN), `schemas lists the extension when it has values: ${excerpt(res)}`);
        expectEqual(res.body[ENTERPRISE_URN]?.employeeNumber, '701984', 'enterprise employeeNumber');
        expectEqual(res.body[ENTERPRISE_URN]?.department, 'Tour Operations', 'enterprise department');
      },
    },
    {
      name: 'PUT that takes another user\'s userName is 409 uniqueness and changes nothing',
      cite: 'RFC 7644 §3.5.1, §3.12 (uniqueness)',
      level: 'MUST',
      async run(ctx) {
        const first = await ctx.createUser('puta');
        const second = await ctx.createUser('putb', { title: 'Kept' });
        expectScimError(await ctx.client.put(`${ctx.usersEndpoint}/${second.id}`, { schemas: [ctx.USER_URN], userName: first.userName }), 409, 'uniqueness');
        const read = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${second.id}`), 200);
        expectEqual(read.body.userName, second.userName, 'userName after the refused PUT');
        expectEqual(read.body.title, 'Kept', 'title after the refused PUT');
      },
    },
    {
      name: 'at most one value of a multi-valued attribute is primary',
      cite: 'RFC 7643 §2.4 ("The primary attribute value \'true\' MUST appear no more than once")',
      level: 'MUST',
      async run(ctx) {
        const userName = `${ctx.unique('prim')}@example.com`;
        const res = await ctx.client.post(ctx.usersEndpoint, {
          schemas: [ctx.USER_URN],
          userName,
          emails: [{ value: 'one@example.com', primary: true }, { value: 'two@example.com', primary: true }],
        });
        if (res.status === 201) {
          ctx.track(ctx.usersEndpoint, res.body?.id);
          const read = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${res.body.id}`), 200);
          const primaries = (read.body.emails ?? []).filter((email) => email.primary === true);
          ensure(primaries.length <= 1, `the server stored ${primaries.length} primary emails: ${excerpt(read)}`);
        } else {
          expectScimError(res, 400, 'invalidValue');
        }
      },
    },
    {
      name: 'externalId is stored as the client sent it (caseExact)',
      cite: 'RFC 7643 §3.1 (externalId: caseExact true, issued by the client)',
      level: 'MUST',
      async run(ctx) {
        const externalId = `Ext-${ctx.unique('ExT')}`;
        const created = await ctx.createUser('ext', { externalId });
        const read = expectStatus(await ctx.client.get(`${ctx.usersEndpoint}/${created.id}`), 200);
        expectEqual(read.body.externalId, externalId, 'externalId');
      },
    },
    {
      name: 'responses use the application/scim+json media type',
      cite: 'RFC 7644 §3.1, §8.1',
      level: 'MUST',
      async run(ctx) {
        const res = expectStatus(await ctx.client.get(ctx.usersEndpoint, { query: { count: '1' } }), 200);
        ensure((res.headers.get('content-type') ?? '').startsWith('application/scim+json'), `Content-Type was ${res.headers.get('content-type')}`);
      },
    },
    {
      name: 'application/json request bodies are accepted as well',
      cite: 'RFC 7644 §3.8 (JSON, UTF-8)',
      level: 'MUST',
      async run(ctx) {
        const userName = `${ctx.unique('json')}@example.com`;
        const res = await ctx.client.post(ctx.usersEndpoint, { schemas: [ctx.USER_URN], userName }, { headers: { 'Content-Type': 'application/json' } });
        expectStatus(res, 201);
        ctx.track(ctx.usersEndpoint, res.body?.id);
      },
    },
    {
      name: 'userName uniqueness folds case beyond ASCII',
      cite: 'RFC 7643 §2.2 (caseExact false: case-insensitive), §4.1.1 (userName uniqueness server)',
      level: 'MUST',
      async run(ctx) {
        const base = ctx.unique('zoë');
        const first = await ctx.createUser('uni', { userName: `${base}-ÉMILE@example.com` });
        const again = await ctx.client.post(ctx.usersEndpoint, { schemas: [ctx.USER_URN], userName: first.userName.toLowerCase() });
        if (again.status === 201) ctx.track(ctx.usersEndpoint, again.body?.id);
        expectScimError(again, 409, 'uniqueness');
      },
    },
    {
      name: 'attributes= and excludedAttributes= shape the answers to POST and PUT too',
      cite: 'RFC 7644 §3.9 ("attributes" and "excludedAttributes" on POST, PUT and PATCH responses)',
      level: 'MAY',
      async run(ctx) {
        const userName = `${ctx.unique('shape')}@example.com`;
        const res = await ctx.client.post(ctx.usersEndpoint, { schemas: [ctx.USER_URN], userName, title: 'Shaped' }, { query: { attributes: 'userName' } });
        expectStatus(res, 201);
        ctx.track(ctx.usersEndpoint, res.body?.id);
        expectEqual(res.body.userName, userName, 'userName');
        ensure(res.body.title === undefined, `attributes=userName on POST still returned title: ${excerpt(res)}`);
        const put = await ctx.client.put(`${ctx.usersEndpoint}/${res.body.id}`, { schemas: [ctx.USER_URN], userName, title: 'Shaped' }, { query: { excludedAttributes: 'title' } });
        expectStatus(put, 200);
        ensure(put.body.title === undefined && put.body.userName === userName, `excludedAttributes=title on PUT: ${excerpt(put)}`);
      },
    },
  ],
};
