// Structural checks on schemas/*.json, the single source of truth for every schema the server serves and
// validates against. A mistake here would surface as wrong validation or discovery output far from its cause.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceProviderConfig } from '../../../src/resources/discovery/service-provider-config';
import { createSchemaRegistry } from '../../../src/scim/schema/registry';
import { URN } from '../../../src/scim/urns';

type Json = Record<string, unknown>;

const SCHEMAS_DIR = join(__dirname, '..', '..', '..', 'schemas');
const read = (file: string): unknown => JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8'));

/** Our own product schemas (the audit trail, webhooks, invitations), in the product URN namespace. */
const PRODUCT_SCHEMA_FILES = ['audit-event.json', 'webhook.json', 'invitation.json'];
const SCHEMA_FILES = [
  'user.json',
  'group.json',
  'enterprise-user.json',
  'lifecycle-user.json',
  'role.json',
  'service-provider-config.schema.json',
  'resource-type.schema.json',
  'schema.schema.json',
  ...PRODUCT_SCHEMA_FILES,
];
/** The product's own schemas (README "Extensions"): one URN namespace, and storage characteristics of the server's own. */
const PRODUCT_USER = 'urn:scim-server:params:scim:schemas:extension:lifecycle:2.0:User';
const schemaFiles = SCHEMA_FILES.map((file) => ({ file, schema: read(file) as Json }));
const byId = (id: string): Json => {
  const found = schemaFiles.find(({ schema }) => schema.id === id);
  if (!found) throw new Error(`no schema file with id ${id}`);
  return found.schema;
};
const user = byId(URN.core.user);
const group = byId(URN.core.group);
const enterpriseUser = byId(URN.extension.enterpriseUser);
const ROLE = 'urn:scim-server:params:scim:schemas:roles:2.0:Role';
const role = byId(ROLE);
const schemaSchema = byId(URN.core.schema);
const resourceTypeSchema = byId(URN.core.resourceType);
const spcSchema = byId(URN.core.serviceProviderConfig);
const commonAttributes = read('common-attributes.json') as Json[];
const resourceTypes = read('resource-types.json') as Json[];

// RFC 7643 §7: the characteristics of an attribute definition, and their legal values (§2.2, §2.3).
const TYPES = ['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'binary', 'complex'];
const MUTABILITY = ['readOnly', 'readWrite', 'immutable', 'writeOnly'];
const RETURNED = ['always', 'never', 'default', 'request'];
const UNIQUENESS = ['none', 'server', 'global'];
const REQUIRED_KEYS = ['name', 'type', 'multiValued', 'description', 'required', 'caseExact', 'mutability', 'returned', 'uniqueness'];
const OPTIONAL_KEYS = ['canonicalValues', 'referenceTypes', 'subAttributes'];
/** Server-side characteristics (never served), allowed in the product's own schemas only. */
const SERVER_KEYS = ['x-unversioned', 'x-indexed'];
// RFC 7643 §2.1 ATTRNAME = ALPHA *(nameChar); "$ref" is the one reserved sub-attribute name outside it (§2.4).
const ATTRNAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

// RFC 7643 §2.4 forbids complex sub-attributes, but §8.7.2's own Schema schema needs one level more to describe
// sub-attributes ("attributes.subAttributes"). That single place is the only exception.
const NESTED_COMPLEX_ALLOWED = new Set([`${URN.core.schema}:attributes.subAttributes`]);

interface Located {
  readonly path: string;
  readonly attribute: Json;
  readonly depth: number;
}

function walk(attributes: readonly Json[], prefix: string, depth = 0): Located[] {
  return attributes.flatMap((attribute) => {
    const path = `${prefix}${String(attribute.name)}`;
    const subs = Array.isArray(attribute.subAttributes) ? (attribute.subAttributes as Json[]) : [];
    return [{ path, attribute, depth }, ...walk(subs, `${path}.`, depth + 1)];
  });
}

const allDefinitions: Located[] = [
  ...schemaFiles.flatMap(({ schema }) => walk(schema.attributes as Json[], `${String(schema.id)}:`)),
  ...walk(commonAttributes, 'common:'),
];

/** Every characteristic problem of one attribute definition, as readable strings (empty when it is sound). */
function problemsOf({ path, attribute, depth }: Located): string[] {
  const problems: string[] = [];
  const keys = Object.keys(attribute);
  for (const key of REQUIRED_KEYS) if (!keys.includes(key)) problems.push(`${path}: missing ${key}`);
  const own = path.startsWith('urn:scim-server:');
  for (const key of keys) {
    if (REQUIRED_KEYS.includes(key) || OPTIONAL_KEYS.includes(key)) continue;
    if (own && SERVER_KEYS.includes(key) && attribute[key] === true) continue;
    problems.push(`${path}: unknown characteristic ${key}`);
  }

  const { name, type, multiValued, description, required, caseExact, mutability, returned, uniqueness } = attribute;
  if (typeof name !== 'string' || !(ATTRNAME.test(name) || (name === '$ref' && depth > 0))) problems.push(`${path}: illegal name`);
  if (!TYPES.includes(type as string)) problems.push(`${path}: illegal type ${String(type)}`);
  for (const [key, value] of Object.entries({ multiValued, required, caseExact })) {
    if (typeof value !== 'boolean') problems.push(`${path}: ${key} must be a boolean`);
  }
  if (typeof description !== 'string' || description.trim() === '') problems.push(`${path}: empty description`);
  if (!MUTABILITY.includes(mutability as string)) problems.push(`${path}: illegal mutability ${String(mutability)}`);
  if (!RETURNED.includes(returned as string)) problems.push(`${path}: illegal returned ${String(returned)}`);
  if (!UNIQUENESS.includes(uniqueness as string)) problems.push(`${path}: illegal uniqueness ${String(uniqueness)}`);

  const canonical = attribute.canonicalValues;
  if (canonical !== undefined) {
    if (!Array.isArray(canonical) || !canonical.every((value) => typeof value === 'string' && value !== '')) {
      problems.push(`${path}: canonicalValues must be a list of strings`);
    } else if (new Set(canonical).size !== canonical.length) {
      problems.push(`${path}: duplicate canonicalValues`);
    }
    if (type !== 'string') problems.push(`${path}: canonicalValues on a ${String(type)} attribute`);
  }

  // RFC 7643 §7: referenceTypes belong to (and are needed by) reference attributes.
  const referenceTypes = attribute.referenceTypes;
  if (type === 'reference') {
    if (!Array.isArray(referenceTypes) || referenceTypes.length === 0 || !referenceTypes.every((value) => typeof value === 'string' && value !== '')) {
      problems.push(`${path}: a reference needs referenceTypes`);
    }
  } else if (referenceTypes !== undefined) {
    problems.push(`${path}: referenceTypes on a ${String(type)} attribute`);
  }

  const subs = attribute.subAttributes;
  if (type === 'complex') {
    if (!Array.isArray(subs) || subs.length === 0) problems.push(`${path}: complex attribute without subAttributes`);
    if (depth > 0 && !NESTED_COMPLEX_ALLOWED.has(path)) problems.push(`${path}: complex sub-attribute`);
  } else if (subs !== undefined) {
    problems.push(`${path}: subAttributes on a ${String(type)} attribute`);
  }

  // RFC 7643 §2.3.1: caseExact only means something for strings (and references and binary, compared as strings).
  if (caseExact === true && !['string', 'reference', 'binary'].includes(type as string)) problems.push(`${path}: caseExact on a ${String(type)}`);
  // RFC 7643 §2.2: a writeOnly attribute can never be returned.
  if (mutability === 'writeOnly' && returned !== 'never') problems.push(`${path}: writeOnly must be returned never`);
  return problems;
}

function duplicateNames(attributes: readonly Json[], where: string): string[] {
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const attribute of attributes) {
    const name = String(attribute.name);
    const folded = name.toLowerCase(); // RFC 7643 §2.1: attribute names are case-insensitive
    const earlier = seen.get(folded);
    if (earlier !== undefined) duplicates.push(`${where}: ${earlier} / ${name}`);
    seen.set(folded, name);
    if (Array.isArray(attribute.subAttributes)) duplicates.push(...duplicateNames(attribute.subAttributes as Json[], `${where}.${name}`));
  }
  return duplicates;
}

function attributeAt(attributes: readonly Json[], path: string): Json {
  const [head, ...rest] = path.split('.');
  const found = attributes.find((attribute) => String(attribute.name).toLowerCase() === head.toLowerCase());
  if (!found) throw new Error(`no attribute ${path}`);
  return rest.length === 0 ? found : attributeAt(found.subAttributes as Json[], rest.join('.'));
}
const namesOf = (attributes: unknown): string[] => (attributes as Json[]).map((attribute) => String(attribute.name));

describe('schemas/ directory', () => {
  it('holds exactly the schema, common-attribute and resource-type files, each parsing as JSON', () => {
    const files = readdirSync(SCHEMAS_DIR).filter((file) => file.endsWith('.json')).sort();
    expect(files).toEqual([...SCHEMA_FILES, 'common-attributes.json', 'resource-types.json', 'product-resource-types.json'].sort());
  });
});

describe.each(schemaFiles)('$file', ({ schema }) => {
  it('is a schema representation in the RFC 7643 §7 form', () => {
    expect(Object.keys(schema).sort()).toEqual(['attributes', 'description', 'id', 'meta', 'name', 'schemas']);
    expect(schema.schemas).toEqual([URN.core.schema]);
    // Ours (README "Extensions"): urn:scim-server:params:scim:schemas:<feature>:2.0:<Type> for a resource type of our own.
    expect(schema.id).toMatch(/^urn:(ietf:params:scim:schemas:(core|extension:[a-z]+)|scim-server:params:scim:schemas:(extension:)?[a-z]+):2\.0:[A-Za-z]+$/);
    expect(typeof schema.name).toBe('string');
    expect(String(schema.name)).not.toBe('');
    expect(typeof schema.description).toBe('string');
    expect(String(schema.description)).not.toBe('');
    expect(schema.meta).toEqual({ resourceType: 'Schema', location: `/Schemas/${String(schema.id)}` });
    expect(Array.isArray(schema.attributes)).toBe(true);
    expect((schema.attributes as Json[]).length).toBeGreaterThan(0);
  });

  it('spells out every characteristic of every attribute and sub-attribute, with legal values', () => {
    const located = walk(schema.attributes as Json[], `${String(schema.id)}:`);
    expect(located.flatMap(problemsOf)).toEqual([]);
  });

  it('has no two attributes whose names differ only in case, at any level', () => {
    expect(duplicateNames(schema.attributes as Json[], String(schema.id))).toEqual([]);
  });
});

describe('the structural rules themselves', () => {
  const sound: Json = { name: 'nick', type: 'string', multiValued: false, description: 'd', required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none' };
  const check = (attribute: Json, depth = 0, path = 'x:nick'): string[] => problemsOf({ path, attribute, depth });

  it('allow server-side characteristics in the product\'s own schemas only', () => {
    expect(check({ ...sound, 'x-indexed': true }, 0, `${PRODUCT_USER}:nick`)).toEqual([]);
    expect(check({ ...sound, 'x-indexed': true })).toEqual(['x:nick: unknown characteristic x-indexed']);
    expect(check({ ...sound, 'x-other': true }, 0, `${PRODUCT_USER}:nick`)).toEqual([`${PRODUCT_USER}:nick: unknown characteristic x-other`]);
  });

  it('accept a sound definition and reject each kind of fault', () => {
    expect(check(sound)).toEqual([]);
    const { caseExact: _omitted, ...withoutCaseExact } = sound;
    expect(check(withoutCaseExact)).toEqual(['x:nick: missing caseExact', 'x:nick: caseExact must be a boolean']);
    expect(check({ ...sound, mutability: 'readonly' })).toEqual(['x:nick: illegal mutability readonly']);
    expect(check({ ...sound, type: 'reference' })).toEqual(['x:nick: a reference needs referenceTypes']);
    expect(check({ ...sound, type: 'complex' })).toEqual(['x:nick: complex attribute without subAttributes']);
    expect(check({ ...sound, type: 'complex', subAttributes: [sound] }, 1)).toEqual(['x:nick: complex sub-attribute']);
    expect(check({ ...sound, mutability: 'writeOnly' })).toEqual(['x:nick: writeOnly must be returned never']);
    expect(check({ ...sound, name: '$ref', type: 'reference', referenceTypes: ['User'] })).toEqual(['x:nick: illegal name']);
    expect(check({ ...sound, canonical: ['a'] })).toEqual(['x:nick: unknown characteristic canonical']);
    expect(duplicateNames([sound, { ...sound, name: 'NICK' }], 'x')).toEqual(['x: nick / NICK']);
  });
});

describe('User schema (RFC 7643 §4.1)', () => {
  const attributes = user.attributes as Json[];

  it('lists the core attributes, without the common attributes of §3.1', () => {
    expect(namesOf(attributes)).toEqual([
      'userName', 'name', 'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale',
      'timezone', 'active', 'password', 'emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'groups',
      'entitlements', 'roles', 'x509Certificates',
    ]);
  });

  it('makes userName required, unique per server and case-insensitive', () => {
    expect(attributeAt(attributes, 'userName')).toMatchObject({ type: 'string', required: true, caseExact: false, uniqueness: 'server', mutability: 'readWrite' });
  });

  it('makes password writeOnly and never returned', () => {
    expect(attributeAt(attributes, 'password')).toMatchObject({ type: 'string', mutability: 'writeOnly', returned: 'never', required: false });
  });

  it('compares email addresses case-insensitively', () => {
    expect(attributeAt(attributes, 'emails.value')).toMatchObject({ type: 'string', caseExact: false });
  });

  it('gives every client-owned multi-valued complex attribute a boolean primary and a typed type (RFC 7643 §2.4)', () => {
    const clientOwned = attributes.filter((attribute) => attribute.type === 'complex' && attribute.multiValued === true && attribute.mutability !== 'readOnly');
    expect(namesOf(clientOwned)).toEqual(['emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'entitlements', 'roles', 'x509Certificates']);
    for (const attribute of clientOwned) {
      const subs = attribute.subAttributes as Json[];
      expect([attribute.name, attributeAt(subs, 'primary')]).toMatchObject([attribute.name, { type: 'boolean', multiValued: false }]);
      expect([attribute.name, attributeAt(subs, 'type')]).toMatchObject([attribute.name, { type: 'string', canonicalValues: expect.any(Array) }]);
      if (attribute.name !== 'addresses') expect([attribute.name, attributeAt(subs, 'display')]).toMatchObject([attribute.name, { type: 'string' }]);
    }
  });

  it('uses the RFC canonical type values', () => {
    expect(attributeAt(attributes, 'emails.type').canonicalValues).toEqual(['work', 'home', 'other']);
    expect(attributeAt(attributes, 'phoneNumbers.type').canonicalValues).toEqual(['work', 'home', 'mobile', 'fax', 'pager', 'other']);
    expect(attributeAt(attributes, 'ims.type').canonicalValues).toEqual(['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']);
    expect(attributeAt(attributes, 'photos.type').canonicalValues).toEqual(['photo', 'thumbnail']);
    expect(attributeAt(attributes, 'addresses.type').canonicalValues).toEqual(['work', 'home', 'other']);
  });

  it('makes groups readOnly throughout, typed direct or indirect', () => {
    const groups = attributeAt(attributes, 'groups');
    expect(groups).toMatchObject({ type: 'complex', multiValued: true, mutability: 'readOnly' });
    expect(namesOf(groups.subAttributes)).toEqual(['value', '$ref', 'display', 'type']);
    for (const sub of groups.subAttributes as Json[]) expect([sub.name, sub.mutability]).toEqual([sub.name, 'readOnly']);
    expect(attributeAt(attributes, 'groups.type').canonicalValues).toEqual(['direct', 'indirect']);
    expect(attributeAt(attributes, 'groups.$ref').referenceTypes).toEqual(['Group']);
  });
});

describe('Group schema (RFC 7643 §4.2)', () => {
  const attributes = group.attributes as Json[];

  it('has displayName (required, unique per server, case-insensitive) and members', () => {
    expect(namesOf(attributes)).toEqual(['displayName', 'members']);
    expect(attributeAt(attributes, 'displayName')).toMatchObject({ required: true, uniqueness: 'server', caseExact: false });
  });

  it('keeps member sub-attributes immutable, with a readOnly display', () => {
    expect(namesOf(attributeAt(attributes, 'members').subAttributes)).toEqual(['value', '$ref', 'display', 'type']);
    expect(attributeAt(attributes, 'members.value').mutability).toBe('immutable');
    expect(attributeAt(attributes, 'members.$ref')).toMatchObject({ mutability: 'immutable', referenceTypes: ['User', 'Group'] });
    expect(attributeAt(attributes, 'members.display').mutability).toBe('readOnly');
    expect(attributeAt(attributes, 'members.type')).toMatchObject({ mutability: 'immutable', canonicalValues: ['User', 'Group'] });
  });
});

describe('Enterprise User extension (RFC 7643 §4.3)', () => {
  it('has the organisational attributes and a manager whose displayName is readOnly', () => {
    const attributes = enterpriseUser.attributes as Json[];
    expect(namesOf(attributes)).toEqual(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager']);
    expect(namesOf(attributeAt(attributes, 'manager').subAttributes)).toEqual(['value', '$ref', 'displayName']);
    expect(attributeAt(attributes, 'manager.$ref').referenceTypes).toEqual(['User']);
    expect(attributeAt(attributes, 'manager.displayName').mutability).toBe('readOnly');
  });
});

describe('common-attributes.json (RFC 7643 §3.1)', () => {
  it('defines id, externalId and meta, soundly', () => {
    expect(namesOf(commonAttributes)).toEqual(['id', 'externalId', 'meta']);
    expect(walk(commonAttributes, 'common:').flatMap(problemsOf)).toEqual([]);
    expect(duplicateNames(commonAttributes, 'common')).toEqual([]);
  });

  it('gives id and externalId their §3.1 characteristics', () => {
    expect(attributeAt(commonAttributes, 'id')).toMatchObject({ type: 'string', caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' });
    expect(attributeAt(commonAttributes, 'externalId')).toMatchObject({ type: 'string', caseExact: true, mutability: 'readWrite', returned: 'default' });
  });

  it('makes meta and all its sub-attributes readOnly', () => {
    const meta = attributeAt(commonAttributes, 'meta');
    expect(meta).toMatchObject({ type: 'complex', mutability: 'readOnly', multiValued: false });
    expect((meta.subAttributes as Json[]).map((sub) => [sub.name, sub.type, sub.mutability])).toEqual([
      ['resourceType', 'string', 'readOnly'],
      ['created', 'dateTime', 'readOnly'],
      ['lastModified', 'dateTime', 'readOnly'],
      ['location', 'reference', 'readOnly'],
      ['version', 'string', 'readOnly'],
    ]);
    expect(attributeAt(commonAttributes, 'meta.location').referenceTypes).toEqual(['uri']);
  });

  it('is kept out of every resource schema', () => {
    for (const schema of [user, group, enterpriseUser, role]) {
      const names = namesOf(schema.attributes).map((name) => name.toLowerCase());
      expect([schema.id, names.filter((name) => ['id', 'externalid', 'meta', 'schemas'].includes(name))]).toEqual([schema.id, []]);
    }
  });
});

describe('resource-types.json (RFC 7643 §6)', () => {
  it('defines User with the optional enterprise extension, Group, and the product\'s Role', () => {
    expect(resourceTypes).toEqual([
      {
        schemas: [URN.core.resourceType],
        id: 'User',
        name: 'User',
        endpoint: '/Users',
        description: 'User Account',
        schema: URN.core.user,
        schemaExtensions: [
          { schema: URN.extension.enterpriseUser, required: false },
          { schema: PRODUCT_USER, required: false },
        ],
        meta: { location: '/ResourceTypes/User', resourceType: 'ResourceType' },
      },
      {
        schemas: [URN.core.resourceType],
        id: 'Group',
        name: 'Group',
        endpoint: '/Groups',
        description: 'Group',
        schema: URN.core.group,
        meta: { location: '/ResourceTypes/Group', resourceType: 'ResourceType' },
      },
      {
        schemas: [URN.core.resourceType],
        id: 'Role',
        name: 'Role',
        endpoint: '/Roles',
        description: 'A role of the tenant\'s catalogue (README "Roles")',
        schema: ROLE,
        meta: { location: '/ResourceTypes/Role', resourceType: 'ResourceType' },
      },
    ]);
  });

  it('uses only attributes that the ResourceType schema describes', () => {
    const described = namesOf(resourceTypeSchema.attributes);
    for (const type of resourceTypes) {
      expect(Object.keys(type).filter((key) => !['schemas', 'meta', ...described].includes(key))).toEqual([]);
    }
  });

  it('loads, with the product resource types, into one registry for discovery', () => {
    const productTypes = read('product-resource-types.json') as Json[];
    const product = PRODUCT_SCHEMA_FILES.map((file) => read(file) as Json);
    const registry = createSchemaRegistry({ schemas: [user, group, enterpriseUser, byId(PRODUCT_USER), role, ...product], resourceTypes: [...resourceTypes, ...productTypes], commonAttributes });
    expect(registry.resourceTypes.map((type) => [type.name, type.endpoint, type.schema])).toEqual([
      ['User', '/Users', URN.core.user],
      ['Group', '/Groups', URN.core.group],
      ['Role', '/Roles', 'urn:scim-server:params:scim:schemas:roles:2.0:Role'],
      ['AuditEvent', '/AuditEvents', 'urn:scim-server:params:scim:schemas:audit:2.0:AuditEvent'],
      ['Webhook', '/Webhooks', 'urn:scim-server:params:scim:schemas:webhooks:2.0:Webhook'],
    ]);
    for (const type of productTypes) expect(Object.keys(type).filter((key) => !['schemas', 'meta', ...namesOf(resourceTypeSchema.attributes)].includes(key))).toEqual([]);
  });

  it('loads into the schema registry together with the resource schemas', () => {
    const registry = createSchemaRegistry({ schemas: [user, group, enterpriseUser, byId(PRODUCT_USER), role], resourceTypes, commonAttributes });
    const userType = registry.resourceType('user');
    expect(userType).toBeDefined();
    const { core, extensions } = registry.schemasOf(userType!);
    expect(core.id).toBe(URN.core.user);
    expect(extensions.map((extension) => [extension.schema.id, extension.required])).toEqual([
      [URN.extension.enterpriseUser, false],
      [PRODUCT_USER, false],
    ]);
    expect(registry.schemasOf(registry.resourceType('Group')!).core.id).toBe(URN.core.group);
    expect(registry.schemasOf(registry.resourceType('Role')!).core.id).toBe(ROLE);
  });
});

describe('meta-schemas (RFC 7643 §8.7.2)', () => {
  it('describe every characteristic used in the schema files, with the legal values as canonical values', () => {
    const characteristics = attributeAt(schemaSchema.attributes as Json[], 'attributes');
    expect(namesOf(characteristics.subAttributes).sort()).toEqual([...REQUIRED_KEYS, ...OPTIONAL_KEYS].sort());
    expect(namesOf(attributeAt(schemaSchema.attributes as Json[], 'attributes.subAttributes').subAttributes).sort()).toEqual([...REQUIRED_KEYS, ...OPTIONAL_KEYS.filter((key) => key !== 'subAttributes')].sort());
    expect([...(attributeAt(characteristics.subAttributes as Json[], 'type').canonicalValues as string[])].sort()).toEqual([...TYPES].sort());
    expect(attributeAt(characteristics.subAttributes as Json[], 'mutability').canonicalValues).toEqual(MUTABILITY);
    expect(attributeAt(characteristics.subAttributes as Json[], 'returned').canonicalValues).toEqual(RETURNED);
    expect(attributeAt(characteristics.subAttributes as Json[], 'uniqueness').canonicalValues).toEqual(UNIQUENESS);
  });

  it('make schemaExtensions a multi-valued, optional list', () => {
    expect(attributeAt(resourceTypeSchema.attributes as Json[], 'schemaExtensions')).toMatchObject({ multiValued: true, required: false });
  });

  it('describe every attribute the served ServiceProviderConfig contains', () => {
    const served = serviceProviderConfig(
      {
        documentationUri: 'https://example.org/docs',
        patch: true,
        bulk: { supported: true, maxOperations: 10, maxPayloadSize: 1024 },
        filter: { supported: true, maxResults: 100 },
        changePassword: false,
        sort: true,
        etag: true,
        pagination: { cursor: true, index: true, defaultPaginationMethod: 'index', defaultPageSize: 50, maxPageSize: 100, cursorTimeout: 600 },
      },
      '/ServiceProviderConfig',
    );
    const undescribed: string[] = [];
    const described = spcSchema.attributes as Json[];
    for (const [key, value] of Object.entries(served)) {
      if (key === 'schemas' || key === 'meta') continue;
      const definition = described.find((attribute) => attribute.name === key);
      if (!definition) {
        undescribed.push(key);
        continue;
      }
      const elements = Array.isArray(value) ? value : [value];
      for (const element of elements) {
        if (definition.type !== 'complex') continue;
        const subs = namesOf(definition.subAttributes);
        for (const subKey of Object.keys(element as Json)) if (!subs.includes(subKey)) undescribed.push(`${key}.${subKey}`);
      }
    }
    expect(undescribed).toEqual([]);
  });
});

describe('all definitions', () => {
  it('cover a reasonable number of attributes (the walk reaches sub-attributes)', () => {
    // user 21 top-level + sub-attributes, so a walk that stopped at the top level would count far fewer.
    expect(allDefinitions.length).toBeGreaterThan(150);
    expect(allDefinitions.some(({ path }) => path === `${URN.core.user}:name.givenName`)).toBe(true);
  });
});
