import { parseAttributeSelection, DEFAULT_SELECTION } from '../../../../src/scim/schema/attribute-selection';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import type { AttributeDefinition } from '../../../../src/scim/schema/attribute';
import { projectResource, projectWithSelection } from '../../../../src/scim/schema/project';
import { withProductTypes } from '../../../../src/scim/schema/product-registry';

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

/** A value of the attribute's type; complex ones with every sub-attribute, multi-valued ones with two elements. */
function sampleOf(attribute: AttributeDefinition, seed: number): unknown {
  const one = (index: number): unknown => {
    switch (attribute.type) {
      case 'complex':
        return Object.fromEntries((attribute.subAttributes ?? []).map((sub, position) => [sub.name, sampleOf({ ...sub, multiValued: sub.multiValued }, seed + index + position)]));
      case 'boolean':
        return (seed + index) % 2 === 0;
      case 'integer':
        return seed + index;
      case 'decimal':
        return seed + index + 0.5;
      case 'dateTime':
        return `2026-01-0${1 + ((seed + index) % 9)}T00:00:00.000Z`;
      default:
        return `${attribute.name}-${seed + index}`;
    }
  };
  return attribute.multiValued ? [one(0), one(1)] : one(0);
}

describe('the default projection (no attributes/excludedAttributes)', () => {
  // Every resource type the server describes, its own ones included (Role has a returned:request attribute, User a
  // returned:never password), with every attribute of the core schema and of each extension.
  const described = withProductTypes(registry);
  const variants = (attributes: Record<string, unknown>): Array<[string, Record<string, unknown>]> => {
    const names = Object.keys(attributes);
    return [
      ['every attribute', attributes],
      ['every other attribute', Object.fromEntries(names.filter((_, index) => index % 2 === 0).map((name) => [name, attributes[name]]))],
      ['values null or empty', Object.fromEntries(names.map((name, index) => [name, index % 3 === 0 ? null : index % 3 === 1 ? [] : {}]))],
      // A multi-valued complex attribute given as one object, elements that are no object, sub-attributes null.
      [
        'odd shapes',
        Object.fromEntries(
          names.map((name) => {
            const value = attributes[name];
            if (Array.isArray(value) && typeof value[0] === 'object') return [name, value[0]];
            if (Array.isArray(value)) return [name, [...value, null]];
            if (typeof value === 'object' && value !== null) return [name, Object.fromEntries(Object.keys(value).map((key) => [key, null]))];
            return [name, value];
          }),
        ),
      ],
      ['attributes no schema has', { ...attributes, notInAnySchema: 'x', 'urn:example:unknown': { a: 1 } }],
    ];
  };

  for (const type of described.resourceTypes) {
    const { core, extensions } = described.schemasOf(type);
    const attributes: Record<string, unknown> = {};
    core.attributes.forEach((attribute, index) => (attributes[attribute.name] = sampleOf(attribute, index)));
    for (const { schema } of extensions) {
      attributes[schema.id] = Object.fromEntries(schema.attributes.map((attribute, index) => [attribute.name, sampleOf(attribute, 100 + index)]));
    }
    attributes.externalId = 'ext-1';
    // User.groups as the service computes it, beside the stored attributes.
    const computed = type.name === 'User' ? { groups: [{ value: 'g1', $ref: 'http://h/scim/v2/Groups/g1', display: 'G', type: 'direct' }] } : undefined;
    for (const [label, variant] of variants(attributes)) {
      it(`gives the same JSON, byte for byte, as the general projection: ${type.name}, ${label}`, () => {
        const representation = { id: 'r-1', attributes: variant, computed, meta: { ...meta, resourceType: type.name } };
        const fast = JSON.stringify(projectResource(described, type, representation, DEFAULT_SELECTION));
        expect(fast).toBe(JSON.stringify(projectWithSelection(described, type, representation, DEFAULT_SELECTION)));
        // And the same as a selection that leaves every attribute of the resource in (an unknown name excluded).
        expect(fast).toBe(JSON.stringify(projectResource(described, type, representation, parseAttributeSelection(described, type, { excludedAttributes: 'noSuchAttribute' }))));
      });
    }
  }

  it('leaves out returned:never and returned:request attributes, and keeps returned:always ones', () => {
    const output = projectResource(registry, userType, resource, DEFAULT_SELECTION);
    expect(output.password).toBeUndefined();
    expect(output.id).toBe('1');
    const roleType = described.resourceType('Role')!;
    const requestOnly = described.schemasOf(roleType).core.attributes.filter((attribute) => attribute.returned === 'request');
    expect(requestOnly.length).toBeGreaterThan(0);
    const role = { id: 'r', attributes: Object.fromEntries(requestOnly.map((attribute) => [attribute.name, sampleOf(attribute, 1)])), meta };
    for (const attribute of requestOnly) {
      expect(projectResource(described, roleType, role, DEFAULT_SELECTION)[attribute.name]).toBeUndefined();
      expect(projectResource(described, roleType, role, parseAttributeSelection(described, roleType, { attributes: attribute.name }))[attribute.name]).toEqual(role.attributes[attribute.name]);
    }
  });

  it('takes a computed attribute instead of a stored one of the same name, on both paths', () => {
    const groups = [{ value: 'g2', display: 'Computed', type: 'direct' }];
    const representation = { ...resource, attributes: { ...resource.attributes, groups: [{ value: 'stale', display: 'Stored' }] }, computed: { groups } };
    expect(projectResource(registry, userType, representation, DEFAULT_SELECTION).groups).toEqual(groups);
    expect(projectWithSelection(registry, userType, representation, DEFAULT_SELECTION).groups).toEqual(groups);
    expect(projectResource(registry, userType, representation, select({ attributes: 'groups' })).groups).toEqual(groups);
    // Without a computed value, the stored one shows, as it did when the two were merged.
    expect(projectResource(registry, userType, { ...representation, computed: {} }, DEFAULT_SELECTION).groups).toEqual([{ value: 'stale', display: 'Stored' }]);
  });
});
