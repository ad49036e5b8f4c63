// RFC 7643 §2.4: at most one value of a multi-valued attribute may be primary.
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { createResourceValidators } from '../../../../src/scim/schema/validate-resource';
import { scimErrorOf } from '../../../helpers/scim-error-of';

const registry = loadBuiltinRegistry();
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const users = createResourceValidators(registry)(registry.resourceType('User')!);

describe('single primary value (RFC 7643 §2.4)', () => {
  it('refuses two primary emails on create with invalidValue naming the attribute and the values', () => {
    const error = scimErrorOf(() =>
      users.validateCreate({ schemas: [USER], userName: 'u', emails: [{ value: 'a@x.org', primary: true }, { value: 'b@x.org' }, { value: 'c@x.org', Primary: 'True' }] }),
    );
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toBe("Attribute 'emails' has 2 values with primary true (at [0], [2]); at most one value may be primary");
  });

  it('refuses two primaries on replace too', () => {
    const error = scimErrorOf(() => users.validateReplace({ schemas: [USER], userName: 'u', phoneNumbers: [{ value: '1', primary: true }, { value: '2', primary: true }] }, { userName: 'u' }));
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain("'phoneNumbers'");
  });

  it('accepts one primary, none, and primary false on several values', () => {
    expect(users.validateCreate({ schemas: [USER], userName: 'u', emails: [{ value: 'a@x.org', primary: true }, { value: 'b@x.org', primary: false }] }).attributes.emails).toEqual([
      { value: 'a@x.org', primary: true },
      { value: 'b@x.org', primary: false },
    ]);
    expect(users.validateCreate({ schemas: [USER], userName: 'u', emails: [{ value: 'a@x.org', primary: false }, { value: 'b@x.org', primary: 'False' }] }).attributes.emails).toHaveLength(2);
    expect(users.validateCreate({ schemas: [USER], userName: 'u', addresses: [{ locality: 'A' }, { locality: 'B' }] }).attributes.addresses).toHaveLength(2);
  });
});
