// Operator-supplied extension schemas (SCIM_SCHEMAS_DIR): RFC 7643 §7 / §8.7 representations added as extensions of
// User, or of the resource type a resource-types.json names; every mistake is refused at start-up naming the file
// and the attribute.
import enterpriseUser from '../../../../schemas/enterprise-user.json';
import { registryWithOperatorSchemas, type SchemaFile } from '../../../../src/scim/schema/operator-schemas';

const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
const ACME_GROUP = 'urn:example:params:scim:schemas:extension:acme:2.0:Group';

const attribute = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'string', ...extra });
const schema = (id: string, attributes: unknown[], extra: Record<string, unknown> = {}) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
  id,
  name: 'Acme',
  description: 'Acme extension',
  attributes,
  ...extra,
});
const file = (name: string, content: unknown): SchemaFile => ({ name, text: typeof content === 'string' ? content : JSON.stringify(content) });
const acme = (attributes: unknown[] = [attribute('costCenter')], extra: Record<string, unknown> = {}) => file('acme-user.json', schema(ACME, attributes, extra));

describe('registryWithOperatorSchemas', () => {
  it('adds a schema as an optional extension of User by default, after the built-in ones', () => {
    const registry = registryWithOperatorSchemas([acme()]);
    expect(registry.schema(ACME)?.attributes.map((a) => a.name)).toEqual(['costCenter']);
    const user = registry.resourceType('User')!;
    expect(user.schemaExtensions).toEqual([
      { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', required: false },
      { schema: 'urn:scim-server:params:scim:schemas:extension:lifecycle:2.0:User', required: false },
      { schema: ACME, required: false },
    ]);
    expect(registry.schemasOf(user).extensions.map((extension) => extension.schema.id)).toContain(ACME);
    expect(registry.resourceType('Group')!.schemaExtensions).toEqual([]);
  });

  it('is the built-in registry when the folder is empty', () => {
    const registry = registryWithOperatorSchemas([]);
    expect(registry.schemas.map((s) => s.id)).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:core:2.0:Group',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      'urn:scim-server:params:scim:schemas:extension:lifecycle:2.0:User',
      'urn:scim-server:params:scim:schemas:roles:2.0:Role',
    ]);
  });

  it('takes a copy of schemas/enterprise-user.json with another id as it is (the documented shape)', () => {
    const registry = registryWithOperatorSchemas([file('copy.json', { ...enterpriseUser, id: ACME })]);
    expect(registry.schema(ACME)?.attributes.map((a) => a.name)).toEqual(enterpriseUser.attributes.map((a) => a.name));
  });

  it('adds schemas to the resource types a resource-types.json names, with their required flag', () => {
    const registry = registryWithOperatorSchemas([
      acme(),
      file('acme-group.json', schema(ACME_GROUP, [attribute('costCenter')])),
      file('resource-types.json', [
        { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'Group', name: 'Group', endpoint: '/Groups', schema: 'urn:ietf:params:scim:schemas:core:2.0:Group', schemaExtensions: [{ schema: ACME_GROUP, required: true }] },
        { name: 'User', schemaExtensions: [{ schema: ACME.toLowerCase() }] },
      ]),
    ]);
    expect(registry.resourceType('Group')!.schemaExtensions).toEqual([{ schema: ACME_GROUP, required: true }]);
    expect(registry.resourceType('User')!.schemaExtensions.at(-1)).toEqual({ schema: ACME, required: false });
  });

  const failures: [string, SchemaFile[], RegExp][] = [
    ['a file that is not JSON', [file('broken.json', '{"id": ')], /^broken\.json: not valid JSON/],
    ['a file that is not an object', [file('list.json', [1])], /^list\.json: .*a schema representation \(a JSON object/],
    ['an id that is not a URN', [file('a.json', schema('acme', [attribute('x')]))], /^a\.json: "id" must be a schema URN/],
    ['an id the server already has', [file('a.json', schema('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', [attribute('x')]))], /^a\.json: .*already defined by the server/],
    ['two files with one id', [acme(), file('again.json', schema(ACME.toUpperCase(), [attribute('x')]))], /^again\.json: .*also defined by acme-user\.json/],
    ['a schemas member without the Schema URN', [acme([attribute('x')], { schemas: ['urn:x'] })], /^acme-user\.json: "schemas" must list "urn:ietf:params:scim:schemas:core:2.0:Schema"/],
    ['an unknown member of the schema', [acme([attribute('x')], { atributes: [] })], /^acme-user\.json: unknown member "atributes"/],
    ['no attributes', [acme([])], /^acme-user\.json: "attributes" must be a non-empty list/],
    ['an attribute name that is not ATTRNAME', [acme([attribute('cost center')])], /^acme-user\.json: attribute 'cost center': the name must start with a letter/],
    ['an unknown type', [acme([attribute('costCenter', { type: 'text' })])], /^acme-user\.json: attribute 'costCenter': "type" must be one of string, boolean, .*got "text"/],
    ['a misspelt characteristic', [acme([attribute('costCenter', { mutabilty: 'readOnly' })])], /^acme-user\.json: attribute 'costCenter': unknown characteristic "mutabilty"/],
    ['a bad mutability', [acme([attribute('costCenter', { mutability: 'sometimes' })])], /attribute 'costCenter': "mutability" must be one of readOnly, readWrite, immutable, got "sometimes"/],
    ['a writeOnly attribute', [acme([attribute('pin', { mutability: 'writeOnly' })])], /attribute 'pin': "mutability" must be one of readOnly, readWrite, immutable, got "writeOnly"/],
    ['a bad returned', [acme([attribute('costCenter', { returned: 'sometimes' })])], /attribute 'costCenter': "returned" must be one of always, never, default, request/],
    ['a bad uniqueness', [acme([attribute('costCenter', { uniqueness: 'tenant' })])], /attribute 'costCenter': "uniqueness" must be one of none, server, global/],
    ['a characteristic of the wrong JSON type', [acme([attribute('costCenter', { multiValued: 'yes' })])], /attribute 'costCenter': "multiValued" must be true or false/],
    ['a complex attribute without sub-attributes', [acme([attribute('skills', { type: 'complex' })])], /attribute 'skills': a complex attribute needs "subAttributes"/],
    ['sub-attributes on a simple attribute', [acme([attribute('skills', { subAttributes: [attribute('x')] })])], /attribute 'skills': only a complex attribute has "subAttributes"/],
    ['a complex sub-attribute', [acme([attribute('skills', { type: 'complex', subAttributes: [attribute('inner', { type: 'complex', subAttributes: [attribute('x')] })] })])], /attribute 'skills\.inner': a sub-attribute cannot be complex \(RFC 7643 §2\.3\.8\)/],
    ['a bad sub-attribute', [acme([attribute('skills', { type: 'complex', subAttributes: [attribute('level', { type: 'number' })] })])], /attribute 'skills\.level': "type" must be one of/],
    ['two attributes with one name', [acme([attribute('costCenter'), attribute('COSTCENTER')])], /attribute 'COSTCENTER': another attribute here is already named 'costCenter'/],
    ['canonicalValues that are not strings', [acme([attribute('level', { canonicalValues: [1, 2] })])], /attribute 'level': "canonicalValues" must be a list of strings/],
    ['resource-types.json that is not a list', [acme(), file('resource-types.json', { name: 'User' })], /^resource-types\.json: must be a list of resource types/],
    ['a resource type the server does not have', [acme(), file('resource-types.json', [{ name: 'Device', schemaExtensions: [{ schema: ACME }] }])], /^resource-types\.json: \[0\]: the server has no resource type "Device"; extensions can be added to User, Group/],
    ['an endpoint that is not the resource type\'s', [acme(), file('resource-types.json', [{ name: 'User', endpoint: '/People', schemaExtensions: [{ schema: ACME }] }])], /^resource-types\.json: \[0\]: "endpoint" of User is "\/Users", not "\/People"/],
    ['an extension that is not in the folder', [acme(), file('resource-types.json', [{ name: 'User', schemaExtensions: [{ schema: 'urn:example:nowhere' }] }])], /^resource-types\.json: \[0\]: "urn:example:nowhere" is not a schema of a file in this folder/],
    ['an extension named for two resource types', [acme(), file('resource-types.json', [{ name: 'User', schemaExtensions: [{ schema: ACME }] }, { name: 'Group', schemaExtensions: [{ schema: ACME }] }])], /^resource-types\.json: \[1\]: "urn:example:.*acme:2\.0:User" is already an extension of User/],
    ['a required flag that is not a boolean', [acme(), file('resource-types.json', [{ name: 'User', schemaExtensions: [{ schema: ACME, required: 'yes' }] }])], /^resource-types\.json: \[0\]: "required" of "urn:.*" must be true or false/],
  ];

  it.each(failures)('refuses %s, naming the file and the attribute', (_name, files, message) => {
    expect(() => registryWithOperatorSchemas(files)).toThrow(message);
  });
});
