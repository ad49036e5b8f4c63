// The server-side storage characteristics of the product's own schemas (x-unversioned, x-indexed): read into the
// registry, refused at start-up where the stores could not honour them, and never shown in /Schemas.
import commonAttributes from '../../../../schemas/common-attributes.json';
import resourceTypes from '../../../../schemas/resource-types.json';
import user from '../../../../schemas/user.json';
import group from '../../../../schemas/group.json';
import enterpriseUser from '../../../../schemas/enterprise-user.json';
import lifecycleUser from '../../../../schemas/lifecycle-user.json';
import { schemaRepresentation } from '../../../../src/resources/discovery/schema-representation';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { createSchemaRegistry, findAttribute } from '../../../../src/scim/schema/registry';

const PRODUCT_USER = lifecycleUser.id;

/** The builtin registry with one attribute of the product's User extension changed. */
const withAttribute = (name: string, changes: Record<string, unknown>) =>
  createSchemaRegistry({
    schemas: [user, group, enterpriseUser, { ...lifecycleUser, attributes: lifecycleUser.attributes.map((attribute) => (attribute.name === name ? { ...attribute, ...changes } : attribute)) }],
    resourceTypes,
    commonAttributes,
  });

describe('storage characteristics in the schema registry', () => {
  const registry = loadBuiltinRegistry();
  const product = registry.schema(PRODUCT_USER)!;

  it('reads x-unversioned and x-indexed; attributes without them have none', () => {
    expect(findAttribute(product.attributes, 'lastSignIn')?.storage).toEqual({ unversioned: true, indexed: true });
    expect(findAttribute(product.attributes, 'failedSignIns')?.storage).toEqual({ unversioned: true, indexed: false });
    expect(findAttribute(product.attributes, 'state')?.storage).toEqual({ unversioned: false, indexed: true });
    expect(findAttribute(product.attributes, 'stateReason')?.storage).toBeUndefined();
    expect(findAttribute(registry.schema(user.id)!.attributes, 'userName')?.storage).toBeUndefined();
  });

  it('refuses, at start-up, what the stores could not honour', () => {
    expect(() => withAttribute('lastSignIn', { mutability: 'readWrite' })).toThrow(/x-unversioned attribute must be readOnly/);
    expect(() => withAttribute('failedSignIns', { uniqueness: 'server' })).toThrow(/must be readOnly, not unique/);
    expect(() => withAttribute('passwordExpired', { 'x-indexed': true })).toThrow(/x-indexed applies to singular string, reference, binary and dateTime/);
    expect(() => withAttribute('state', { multiValued: true })).toThrow(/x-indexed applies to singular/);
  });

  it('keeps them out of the schema representation (/Schemas shows RFC 7643 §7 characteristics only)', () => {
    const shown = JSON.stringify(schemaRepresentation(product, `/Schemas/${PRODUCT_USER}`));
    expect(shown).toContain('"lastSignIn"');
    expect(shown).not.toMatch(/x-unversioned|x-indexed|storage/);
  });
});
