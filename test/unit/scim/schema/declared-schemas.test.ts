// RFC 7643 §3: the `schemas` of a client's resource body, through the validator (canonicalise + checkDeclaredSchemas),
// with the per-tenant tolerance for schema URNs the server does not know.
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { createResourceValidators } from '../../../../src/scim/schema/validate-resource';
import { scimErrorOf } from '../../../helpers/scim-error-of';

const registry = loadBuiltinRegistry();
const validators = createResourceValidators(registry);
const users = validators(registry.resourceType('User')!);
const groups = validators(registry.resourceType('Group')!);
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
const ignore = { unknownSchemas: 'ignore' } as const;
// Microsoft's schema URNs are URLs: Entra ID lists the Group one in its Create Group request, with nothing under it.
const ADSCIM_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const ADSCIM_USER = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User';

describe('the schemas of a resource body (RFC 7643 §3)', () => {
  it.each([
    ['no schemas', { userName: 'u' }, /"schemas" is required/],
    ['schemas null', { schemas: null, userName: 'u' }, /"schemas" is required/],
    ['schemas with a number', { schemas: [USER, 7], userName: 'u' }, /must be a list of schema URNs/],
    ['schemas with a name that is no URI', { schemas: [USER, 'User'], userName: 'u' }, /must be a list of schema URNs/],
    ['the core schema missing', { schemas: [ENTERPRISE], userName: 'u' }, /must list "urn:ietf:params:scim:schemas:core:2.0:User", the core schema of User; it lists "urn:.*enterprise/],
    ['only an unknown URN in schemas', { schemas: [ACME], userName: 'u' }, /must list "urn:ietf:params:scim:schemas:core:2.0:User".*; it lists "urn:example:.*acme:2.0:User"/],
    ['a schema of another resource type', { schemas: [USER, GROUP], userName: 'u' }, /"schemas" lists "urn:.*:core:2.0:Group", a schema of another resource type/],
    ['an unknown extension key', { schemas: [USER], userName: 'u', [ACME]: { costCenter: 'x' } }, /carries attributes under "urn:example:.*acme/],
    ['an unknown URN listed in schemas and carrying attributes', { schemas: [USER, ACME], userName: 'u', [ACME]: { costCenter: 'x' } }, /carries attributes under "urn:example:.*acme:2.0:User", a schema this server does not know/],
    ['attributes under an unknown URL-style schema', { schemas: [USER, ADSCIM_USER], userName: 'u', [ADSCIM_USER]: { x: 1 } }, /carries attributes under "http:\/\/schemas\.microsoft\.com/],
    ['attributes under the schema of another resource type', { schemas: [USER], userName: 'u', [GROUP]: { displayName: 'g' } }, /carries attributes under "urn:.*:core:2.0:Group", a schema of another resource type/],
    ['an extension key that is not listed', { schemas: [USER], userName: 'u', [ENTERPRISE]: { department: 'x' } }, /extension "urn:.*enterprise:2.0:User", but "schemas" does not list it/],
  ])('refuses %s with 400 invalidSyntax', (_name, input, detail) => {
    const error = scimErrorOf(() => users.validateCreate(input));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidSyntax', detail: expect.stringMatching(detail) });
    // Every refusal says what the resource type's schemas are, or which schema to list.
    expect(error.detail).toMatch(/urn:/);
  });

  it('accepts a single URN for the list, URNs in any case, listed extensions without attributes, and empty or null extension values', () => {
    expect(users.validateCreate({ schemas: USER, userName: 'u' }).attributes).toEqual({ userName: 'u' });
    expect(users.validateCreate({ schemas: [USER.toUpperCase(), ENTERPRISE.toLowerCase()], userName: 'u' }).attributes).toEqual({ userName: 'u' });
    expect(users.validateCreate({ schemas: [USER], userName: 'u', [ENTERPRISE]: {}, [ACME]: null }).attributes).toEqual({ userName: 'u' });
  });

  it('ignores a URN nobody defined that schemas lists with no attributes under it: not kept, not an error', () => {
    expect(groups.validateCreate({ schemas: [GROUP, ADSCIM_GROUP], displayName: 'g', externalId: 'e' }).attributes).toEqual({ displayName: 'g', externalId: 'e' });
    expect(users.validateCreate({ schemas: [ACME, USER], userName: 'u' }).attributes).toEqual({ userName: 'u' });
    // Null or {} under it carries nothing either; the same for a replace.
    expect(users.validateCreate({ schemas: [USER, ACME], userName: 'u', [ACME]: {} }).attributes).toEqual({ userName: 'u' });
    expect(users.validateReplace({ schemas: [USER, ACME.toUpperCase()], userName: 'u', [ACME]: null }, { userName: 'u' }).attributes).toEqual({ userName: 'u' });
  });

  it('under unknownSchemas=ignore drops URNs nobody defined, in schemas and as keys, and still refuses the rest', () => {
    expect(users.validateCreate({ schemas: [USER, ACME], userName: 'u', [ACME]: { costCenter: 'x' } }, ignore).attributes).toEqual({ userName: 'u' });
    expect(users.validateCreate({ schemas: [USER], userName: 'u', [ADSCIM_USER]: { x: 1 } }, ignore).attributes).toEqual({ userName: 'u' });
    expect(scimErrorOf(() => users.validateCreate({ schemas: [USER, GROUP], userName: 'u' }, ignore)).detail).toMatch(/another resource type/);
    expect(scimErrorOf(() => users.validateCreate({ schemas: [USER], userName: 'u', [GROUP]: { displayName: 'g' } }, ignore)).detail).toMatch(/another resource type/);
    expect(scimErrorOf(() => users.validateCreate({ schemas: [ACME], userName: 'u' }, ignore)).detail).toMatch(/must list "urn:ietf:params:scim:schemas:core:2.0:User"/);
    expect(scimErrorOf(() => users.validateCreate({ userName: 'u' }, ignore)).detail).toMatch(/"schemas" is required/);
    expect(scimErrorOf(() => users.validateCreate({ schemas: [USER], userName: 'u', [ENTERPRISE]: { department: 'x' } }, ignore)).detail).toMatch(/does not list it/);
  });

  it('applies to replace as to create, and to every resource type', () => {
    expect(scimErrorOf(() => users.validateReplace({ userName: 'u' }, { userName: 'u' })).scimType).toBe('invalidSyntax');
    expect(scimErrorOf(() => groups.validateCreate({ schemas: [USER], displayName: 'g' })).detail).toMatch(/another resource type; the schemas of Group are "urn:ietf:params:scim:schemas:core:2.0:Group"/);
    expect(scimErrorOf(() => groups.validateCreate({ schemas: [GROUP, ENTERPRISE], displayName: 'g' })).detail).toMatch(/another resource type/);
  });

  it('does not ask a PATCH result for schemas: the server assembled it', () => {
    expect(users.validatePatchResult({ userName: 'u', [ENTERPRISE]: { department: 'x' } }, { userName: 'u' }).attributes).toEqual({ userName: 'u', [ENTERPRISE]: { department: 'x' } });
  });
});
