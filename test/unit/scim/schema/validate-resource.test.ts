import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { createSchemaRegistry } from '../../../../src/scim/schema/registry';
import { createResourceValidators } from '../../../../src/scim/schema/validate-resource';
import { scimErrorOf } from '../../../helpers/scim-error-of';

const registry = loadBuiltinRegistry();
const validators = createResourceValidators(registry);
const userType = registry.resourceType('User')!;
const users = validators(userType);
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** A client body: `schemas` lists the User schema and every extension key of the body (RFC 7643 §3). */
const body = (attributes: Record<string, unknown>) => ({ schemas: [USER, ...Object.keys(attributes).filter((key) => key.startsWith('urn:'))], ...attributes });

describe('validateCreate', () => {
  it('canonicalises names, coerces booleans, wraps single values, drops unknown and readOnly attributes', () => {
    const result = users.validateCreate({
      schemas: [USER, ENTERPRISE],
      USERNAME: 'u',
      active: 'TRUE',
      Emails: { Value: 'u@x.org' },
      unknownThing: 1,
      groups: [{ value: 'g' }],
      id: 'x',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user': { Department: 'R&D', manager: 'm1' },
    });
    expect(result.attributes).toEqual({
      userName: 'u',
      active: true,
      emails: [{ value: 'u@x.org' }],
      [ENTERPRISE]: { department: 'R&D', manager: { value: 'm1' } },
    });
  });

  it('separates writeOnly values from stored attributes', () => {
    const result = users.validateCreate(body({ userName: 'p', password: 'pw' }));
    expect(result.attributes).toEqual({ userName: 'p' });
    expect(result.writeOnly).toEqual({ password: 'pw' });
  });

  it('treats null as unassigned', () => {
    expect(users.validateCreate(body({ userName: 'n', displayName: null, emails: null })).attributes).toEqual({ userName: 'n' });
  });

  it.each([
    [{ userName: 'a', active: 'perhaps' }, "'active'", 'a boolean'],
    [{ userName: 'a', name: 'x' }, "'name'", 'complex'],
    [{ userName: 'a', emails: [{ value: 5 }] }, 'emails[0].value', 'a string'],
    [{ userName: 5 }, "'userName'", 'a string'],
    [{ userName: 'a', [ENTERPRISE]: 'x' }, ENTERPRISE, 'complex'],
    [{ userName: 'a', x509Certificates: [{ value: '***not base64***' }] }, 'x509Certificates[0].value', 'base64'],
  ])('rejects %j with invalidValue naming the attribute', (input, name, phrase) => {
    const error = scimErrorOf(() => users.validateCreate(body(input)));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain(name);
    expect(error.detail).toContain(phrase);
  });

  it('requires userName, even when empty', () => {
    expect(scimErrorOf(() => users.validateCreate(body({ userName: '' }))).detail).toBe("Attribute 'userName' is required");
    expect(scimErrorOf(() => users.validateCreate(body({}))).scimType).toBe('invalidValue');
  });

  it('rejects bodies that are not objects, and schemas that are not strings, as invalidSyntax', () => {
    expect(scimErrorOf(() => users.validateCreate([])).scimType).toBe('invalidSyntax');
    expect(scimErrorOf(() => users.validateCreate({ userName: 'a', schemas: [1] })).scimType).toBe('invalidSyntax');
  });
});

describe('validateReplace and immutability', () => {
  const custom = createSchemaRegistry({
    schemas: [
      {
        id: 'urn:example:Thing',
        name: 'Thing',
        attributes: [
          { name: 'name', type: 'string', required: true },
          { name: 'serial', type: 'string', mutability: 'immutable' },
          { name: 'tags', type: 'complex', multiValued: true, subAttributes: [{ name: 'value', type: 'string', mutability: 'immutable' }] },
        ],
      },
    ],
    resourceTypes: [{ name: 'Thing', endpoint: '/Things', schema: 'urn:example:Thing' }],
    commonAttributes: [],
  });
  const validator = createResourceValidators(custom)(custom.resourceType('Thing')!);
  const thing = (attributes: Record<string, unknown>) => ({ schemas: ['urn:example:Thing'], ...attributes });
  const things = {
    validateReplace: (input: Record<string, unknown>, existing: Record<string, unknown>) => validator.validateReplace(thing(input), existing),
  };

  it('lets an immutable attribute be set once, then never changed', () => {
    expect(things.validateReplace({ name: 'a', serial: 'S1' }, { name: 'a' }).attributes.serial).toBe('S1');
    const error = scimErrorOf(() => things.validateReplace({ name: 'a', serial: 'S2' }, { name: 'a', serial: 'S1' }));
    expect(error).toMatchObject({ status: 400, scimType: 'mutability' });
    expect(error.detail).toContain('serial');
    expect(things.validateReplace({ name: 'b', serial: 'S1' }, { name: 'a', serial: 'S1' }).attributes.name).toBe('b');
  });

  it('keeps an assigned immutable attribute that a replace leaves out (sending no value updates nothing)', () => {
    expect(things.validateReplace({ name: 'b' }, { name: 'a', serial: 'S1' }).attributes).toEqual({ name: 'b', serial: 'S1' });
    expect(things.validateReplace({ name: 'b', serial: null }, { name: 'a', serial: 'S1' }).attributes).toEqual({ name: 'b', serial: 'S1' });
    expect(things.validateReplace({ name: 'b' }, { name: 'a' }).attributes).toEqual({ name: 'b' });
  });

  it('allows values of a multi-valued attribute with immutable sub-attributes to be added and dropped', () => {
    const result = things.validateReplace({ name: 'a', tags: [{ value: 'y' }] }, { name: 'a', tags: [{ value: 'x' }] });
    expect(result.attributes.tags).toEqual([{ value: 'y' }]);
  });
});
