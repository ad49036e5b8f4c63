import { parseAttributeSelection, DEFAULT_SELECTION } from '../../../../src/scim/schema/attribute-selection';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { projectResource } from '../../../../src/scim/schema/project';

const registry = loadBuiltinRegistry();
const userType = registry.resourceType('User')!;
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const meta = { resourceType: 'User', created: '2024-01-01T00:00:00.000Z', lastModified: '2024-01-02T00:00:00.000Z', location: 'http://h/scim/v2/Users/1', version: 'W/"2"' };
const resource = {
  id: '1',
  attributes: {
    userName: 'u',
    externalId: 'e',
    name: { givenName: 'G', familyName: 'F' },
    emails: [{ value: 'a@x.org', type: 'work', primary: true }, { value: 'b@x.org', type: 'home' }],
    password: 'must-never-show',
    [ENTERPRISE]: { department: 'D', employeeNumber: '7' },
  },
  meta,
};
const select = (params: { attributes?: string; excludedAttributes?: string }) => parseAttributeSelection(registry, userType, params);

describe('projectResource', () => {
  it('returns default attributes in order, with schemas for each extension present, and meta last', () => {
    const output = projectResource(registry, userType, resource, DEFAULT_SELECTION);
    expect(Object.keys(output)).toEqual(['schemas', 'id', 'externalId', 'userName', 'name', 'emails', ENTERPRISE, 'meta']);
    expect(output.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE]);
    expect(output.password).toBeUndefined();
    expect(output.meta).toEqual(meta);
  });

  it('keeps only requested attributes (plus returned:always ones) with `attributes`', () => {
    expect(projectResource(registry, userType, resource, select({ attributes: 'userName,name.familyName' }))).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: '1',
      userName: 'u',
      name: { familyName: 'F' },
    });
  });

  it('resolves names case-insensitively and URN-qualified', () => {
    const output = projectResource(registry, userType, resource, select({ attributes: `EMAILS.value,${ENTERPRISE}:department,urn:ietf:params:scim:schemas:core:2.0:User:userName` }));
    expect(output).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      id: '1',
      userName: 'u',
      emails: [{ value: 'a@x.org' }, { value: 'b@x.org' }],
      [ENTERPRISE]: { department: 'D' },
    });
  });

  it('includes or excludes a whole extension by its URN', () => {
    expect(projectResource(registry, userType, resource, select({ attributes: ENTERPRISE }))[ENTERPRISE]).toEqual({ department: 'D', employeeNumber: '7' });
    const without = projectResource(registry, userType, resource, select({ excludedAttributes: ENTERPRISE }));
    expect(without[ENTERPRISE]).toBeUndefined();
    expect(without.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User']);
  });

  it('removes excluded attributes and sub-attributes but never returned:always ones', () => {
    const output = projectResource(registry, userType, resource, select({ excludedAttributes: 'emails.type,name,id,meta' }));
    expect(output.id).toBe('1');
    expect(output.name).toBeUndefined();
    expect(output.meta).toBeUndefined();
    expect(output.emails).toEqual([{ value: 'a@x.org', primary: true }, { value: 'b@x.org' }]);
  });

  it('ignores unknown names and accepts a bracketed value filter as the attribute', () => {
    const output = projectResource(registry, userType, resource, select({ attributes: 'nonsense,emails[type eq "work"]' }));
    expect(Object.keys(output)).toEqual(['schemas', 'id', 'emails']);
  });
});
