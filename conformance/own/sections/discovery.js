// RFC 7644 §4 and RFC 7643 §5-§7: the service provider configuration endpoints.
'use strict';
const { ensure, expectStatus, expectList, expectScimError, excerpt } = require('../expect');

const SPC_URN = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_URN = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

module.exports = {
  title: 'Discovery',
  checks: [
    {
      name: 'GET /ServiceProviderConfig describes every capability',
      cite: 'RFC 7643 §5',
      level: 'REQUIRED',
      async run({ client }) {
        const res = expectStatus(await client.get('/ServiceProviderConfig'), 200);
        const spc = res.body;
        ensure(spc?.schemas?.includes(SPC_URN), `schemas must contain ${SPC_URN}: ${excerpt(res)}`);
        for (const feature of ['patch', 'bulk', 'filter', 'changePassword', 'sort', 'etag']) {
          ensure(typeof spc[feature]?.supported === 'boolean', `${feature}.supported must be a boolean: ${excerpt(res)}`);
        }
        ensure(Number.isInteger(spc.bulk.maxOperations) && Number.isInteger(spc.bulk.maxPayloadSize), 'bulk.maxOperations and bulk.maxPayloadSize are REQUIRED integers');
        ensure(Number.isInteger(spc.filter.maxResults), 'filter.maxResults is a REQUIRED integer');
        ensure(Array.isArray(spc.authenticationSchemes) && spc.authenticationSchemes.length > 0, 'authenticationSchemes is REQUIRED');
        for (const scheme of spc.authenticationSchemes) ensure(typeof scheme.name === 'string' && typeof scheme.description === 'string', 'each authentication scheme needs a name and a description');
      },
    },
    {
      name: 'ServiceProviderConfig advertises its pagination methods',
      cite: 'RFC 9865 (ServiceProviderConfig "pagination")',
      level: 'SHOULD',
      async run({ spc }) {
        const pagination = spc.pagination;
        ensure(pagination && typeof pagination === 'object', 'the pagination attribute is missing from /ServiceProviderConfig');
        ensure(typeof pagination.cursor === 'boolean' && typeof pagination.index === 'boolean', `pagination.cursor and pagination.index must be booleans, got ${JSON.stringify(pagination)}`);
        if (pagination.defaultPageSize !== undefined) ensure(Number.isInteger(pagination.defaultPageSize), 'pagination.defaultPageSize must be an integer');
        if (pagination.maxPageSize !== undefined) ensure(Number.isInteger(pagination.maxPageSize), 'pagination.maxPageSize must be an integer');
      },
    },
    {
      name: 'GET /ResourceTypes lists User with its endpoint and schema',
      cite: 'RFC 7644 §4, RFC 7643 §6',
      level: 'MUST',
      async run({ client, USER_URN }) {
        const list = expectList(await client.get('/ResourceTypes'));
        const user = list.Resources.find((type) => type.schema === USER_URN);
        ensure(user, `no resource type with schema ${USER_URN}`);
        ensure(user.schemas?.includes(RESOURCE_TYPE_URN), `a resource type carries schema ${RESOURCE_TYPE_URN}`);
        ensure(typeof user.name === 'string' && typeof user.endpoint === 'string', 'name and endpoint are REQUIRED');
        const one = expectStatus(await client.get(`/ResourceTypes/${encodeURIComponent(user.name)}`), 200);
        ensure(one.body?.endpoint === user.endpoint, `GET /ResourceTypes/${user.name} must return the same resource type: ${excerpt(one)}`);
      },
    },
    {
      name: 'the User resource type lists the Enterprise extension it accepts',
      cite: 'RFC 7643 §6 (schemaExtensions), §4.3',
      level: 'MUST',
      async run({ client, USER_URN }) {
        const list = expectList(await client.get('/ResourceTypes'));
        const user = list.Resources.find((type) => type.schema === USER_URN);
        const extension = (user?.schemaExtensions ?? []).find((ext) => ext.schema === 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User');
        ensure(extension && typeof extension.required === 'boolean', `schemaExtensions must list the Enterprise User extension with "required": ${JSON.stringify(user?.schemaExtensions)}`);
        const schema = await client.get(`/Schemas/${encodeURIComponent(extension.schema)}`);
        expectStatus(schema, 200);
      },
    },
    {
      name: 'GET /Schemas returns the schemas with their attribute definitions',
      cite: 'RFC 7644 §4, RFC 7643 §7',
      level: 'MUST',
      async run({ client, USER_URN }) {
        const list = expectList(await client.get('/Schemas'));
        const user = list.Resources.find((schema) => schema.id === USER_URN);
        ensure(user, `no schema with id ${USER_URN}`);
        ensure(user.schemas?.includes(SCHEMA_URN), `a schema resource carries schema ${SCHEMA_URN}`);
        const userName = (user.attributes ?? []).find((attribute) => String(attribute.name).toLowerCase() === 'username');
        ensure(userName, 'the User schema defines userName');
        for (const key of ['type', 'multiValued', 'required', 'mutability', 'returned', 'uniqueness']) ensure(userName[key] !== undefined, `userName lacks the characteristic "${key}"`);
        const one = expectStatus(await client.get(`/Schemas/${encodeURIComponent(USER_URN)}`), 200);
        ensure(one.body?.id === USER_URN, `GET /Schemas/{id} must return that schema: ${excerpt(one)}`);
      },
    },
    {
      name: 'an unknown schema or resource type is 404',
      cite: 'RFC 7644 §3.12',
      level: 'MUST',
      async run({ client }) {
        expectScimError(await client.get('/Schemas/urn:example:no:such:schema'), 404);
        expectScimError(await client.get('/ResourceTypes/NoSuchType'), 404);
      },
    },
    {
      name: 'a filter on a discovery endpoint is refused with 403',
      cite: 'RFC 7644 §4',
      level: 'SHOULD',
      async run({ client }) {
        expectScimError(await client.get('/Schemas', { query: { filter: 'id eq "x"' } }), 403);
        expectScimError(await client.get('/ResourceTypes', { query: { filter: 'name eq "User"' } }), 403);
      },
    },
    {
      name: 'discovery endpoints are read-only: POST is 405',
      cite: 'RFC 7644 §4 (GET only), RFC 7231 §6.5.5',
      level: 'MUST',
      async run({ client }) {
        for (const path of ['/ServiceProviderConfig', '/ResourceTypes', '/Schemas']) {
          const res = await client.request('POST', path, { rawBody: '{}' });
          expectStatus(res, 405);
          ensure(res.headers.get('allow'), `405 MUST carry an Allow header (RFC 7231 §6.5.5): ${excerpt(res)}`);
        }
      },
    },
  ],
};
