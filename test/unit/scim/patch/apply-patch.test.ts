import { applyPatch } from '../../../../src/scim/patch/apply-patch';
import { parsePatchRequest } from '../../../../src/scim/patch/parse-patch';
import { createSchemaRegistry } from '../../../../src/scim/schema/registry';
import { ENTERPRISE, groupType, message, patchError, patchUser, registry } from './patch-helpers';

const work = { type: 'work', value: 'w@x.org' };
const home = { type: 'home', value: 'h@x.org' };

describe('applyPatch: add (RFC 7644 §3.5.2.1)', () => {
  it('sets a simple attribute that is unassigned', () => {
    expect(patchUser({ userName: 'u' }, { op: 'add', path: 'title', value: 'Boss' })).toEqual({ attributes: { userName: 'u', title: 'Boss' }, changed: true });
  });

  it('replaces a simple singular value that is already set', () => {
    expect(patchUser({ userName: 'u', title: 'A' }, { op: 'add', path: 'title', value: 'B' }).attributes.title).toBe('B');
  });

  it('appends to a multi-valued attribute', () => {
    expect(patchUser({ emails: [work] }, { op: 'add', path: 'emails', value: [home] }).attributes.emails).toEqual([work, home]);
  });

  it('takes a single value for a multi-valued attribute as a list of one', () => {
    expect(patchUser({ emails: [work] }, { op: 'add', path: 'emails', value: home }).attributes.emails).toEqual([work, home]);
  });

  it('does not duplicate a value that is already there, and then reports no change', () => {
    const result = patchUser({ emails: [work] }, { op: 'add', path: 'emails', value: [{ value: 'w@x.org', type: 'work' }] });
    expect(result).toEqual({ attributes: { emails: [work] }, changed: false });
  });

  it('treats a value whose every sub-attribute is already present as a duplicate', () => {
    const result = patchUser({ emails: [{ ...work, display: 'W' }] }, { op: 'add', path: 'emails', value: [{ value: 'w@x.org' }] });
    expect(result.changed).toBe(false);
  });

  it('merges sub-attributes into a singular complex attribute', () => {
    const result = patchUser({ name: { givenName: 'G', familyName: 'F' } }, { op: 'add', path: 'name', value: { familyName: 'N', middleName: 'M' } });
    expect(result.attributes.name).toEqual({ givenName: 'G', familyName: 'N', middleName: 'M' });
  });

  it('sets a sub-attribute, creating the complex attribute', () => {
    expect(patchUser({}, { op: 'add', path: 'name.givenName', value: 'G' }).attributes).toEqual({ name: { givenName: 'G' } });
  });

  it('creates the extension object for an extension attribute', () => {
    expect(patchUser({ userName: 'u' }, { op: 'add', path: `${ENTERPRISE}:department`, value: 'Sales' }).attributes).toEqual({
      userName: 'u',
      [ENTERPRISE]: { department: 'Sales' },
    });
  });

  it('accepts manager as a bare string id (Entra ID) and stores {value}', () => {
    const result = patchUser({}, { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'mgr-1' });
    expect(result.attributes[ENTERPRISE]).toEqual({ manager: { value: 'mgr-1' } });
  });

  it('takes a singular value sent as a list of one (Entra ID manager)', () => {
    const result = patchUser({}, { op: 'Add', path: `${ENTERPRISE}:manager`, value: [{ $ref: null, value: 'mgr-2' }] });
    expect(result.attributes[ENTERPRISE]).toEqual({ manager: { value: 'mgr-2' } });
  });

  it('sets manager.value through a URN-qualified sub-attribute path', () => {
    const result = patchUser({ [ENTERPRISE]: { department: 'D' } }, { op: 'add', path: `${ENTERPRISE}:manager.value`, value: 'm2' });
    expect(result.attributes[ENTERPRISE]).toEqual({ department: 'D', manager: { value: 'm2' } });
  });

  it('updates the values a value filter matches', () => {
    const result = patchUser({ emails: [work, home] }, { op: 'add', path: 'emails[type eq "work"].display', value: 'Work' });
    expect(result.attributes.emails).toEqual([{ ...work, display: 'Work' }, home]);
  });

  it('creates the value when an eq filter matches nothing (Entra ID sends this for a new work email)', () => {
    const result = patchUser({ emails: [home] }, { op: 'Add', path: 'emails[type eq "work"].value', value: 'new@x.org' });
    expect(result.attributes.emails).toEqual([home, { type: 'work', value: 'new@x.org' }]);
  });

  it('creates the value from every eq of an and-filter', () => {
    const result = patchUser({}, { op: 'add', path: 'addresses[type eq "work" and country eq "NL"].locality', value: 'Delft' });
    expect(result.attributes.addresses).toEqual([{ type: 'work', country: 'NL', locality: 'Delft' }]);
  });

  it('creates the value from an eq filter without a sub-attribute, merging the value object', () => {
    const result = patchUser({}, { op: 'add', path: 'phoneNumbers[type eq "mobile"]', value: { value: '+31 6 1234' } });
    expect(result.attributes.phoneNumbers).toEqual([{ type: 'mobile', value: '+31 6 1234' }]);
  });

  it('refuses to create a value from a filter that is not eq (noTarget)', () => {
    expect(patchError({}, { op: 'add', path: 'emails[type co "wor"].value', value: 'x@x.org' })).toMatchObject({ status: 400, scimType: 'noTarget' });
    expect(patchError({}, { op: 'add', path: 'emails[type eq "work" or type eq "home"].value', value: 'x' })).toMatchObject({ scimType: 'noTarget' });
  });

  it('coerces "True"/"False" for booleans (Entra ID)', () => {
    expect(patchUser({ active: true }, { op: 'Add', path: 'active', value: 'False' }).attributes.active).toBe(false);
  });

  it('rejects add without a value (invalidValue)', () => {
    expect(patchError({}, { op: 'add', path: 'title' })).toMatchObject({ status: 400, scimType: 'invalidValue' });
  });

  it('leaves a non-object for a singular complex attribute in place for the validator to reject', () => {
    // Types are the resource validator's job (the same as PUT); applyPatch leaves the value in place.
    expect(patchUser({}, { op: 'add', path: 'name', value: 'plain' }).attributes.name).toBe('plain');
  });

  it('adds members as bare string ids (Microsoft test collection)', () => {
    const ops = parsePatchRequest(registry, groupType, message({ op: 'add', path: 'members', value: 'string id 1' }));
    expect(applyPatch(registry, groupType, { displayName: 'g' }, ops).attributes.members).toEqual([{ value: 'string id 1' }]);
  });
});

describe('applyPatch: replace (RFC 7644 §3.5.2.3)', () => {
  it('replaces a simple attribute', () => {
    expect(patchUser({ userName: 'a' }, { op: 'replace', path: 'userName', value: 'b' }).attributes).toEqual({ userName: 'b' });
  });

  it('replaces all values of a multi-valued attribute without a filter', () => {
    expect(patchUser({ emails: [work, home] }, { op: 'replace', path: 'emails', value: [{ value: 'n@x.org' }] }).attributes.emails).toEqual([{ value: 'n@x.org' }]);
  });

  it('replaces only the values a filter matches', () => {
    const result = patchUser({ emails: [work, home] }, { op: 'replace', path: 'emails[type eq "work"]', value: { type: 'work', value: 'n@x.org' } });
    expect(result.attributes.emails).toEqual([{ type: 'work', value: 'n@x.org' }, home]);
  });

  it('replaces a sub-attribute of the matched values only', () => {
    const result = patchUser({ emails: [work, home] }, { op: 'Replace', path: 'emails[type eq "work"].value', value: 'n@x.org' });
    expect(result.attributes.emails).toEqual([{ type: 'work', value: 'n@x.org' }, home]);
  });

  it('matches filter values case-insensitively for caseExact=false sub-attributes', () => {
    const result = patchUser({ emails: [work] }, { op: 'replace', path: 'emails[type eq "WORK"].value', value: 'n@x.org' });
    expect(result.attributes.emails).toEqual([{ type: 'work', value: 'n@x.org' }]);
  });

  it('answers noTarget when the filter matches nothing (RFC 7644 §3.5.2.3 SHALL)', () => {
    const error = patchError({ emails: [home] }, { op: 'replace', path: 'emails[type eq "work"].value', value: 'n@x.org' });
    expect(error).toEqual({ status: 400, scimType: 'noTarget', detail: expect.stringContaining('Operation 0') });
  });

  it('merges a singular complex value, leaving sub-attributes not given unchanged', () => {
    const result = patchUser({ name: { givenName: 'G', familyName: 'F' } }, { op: 'replace', path: 'name', value: { givenName: 'H' } });
    expect(result.attributes.name).toEqual({ givenName: 'H', familyName: 'F' });
  });

  it('treats replace of an unassigned attribute as add', () => {
    expect(patchUser({}, { op: 'replace', path: 'nickName', value: 'n' }).attributes).toEqual({ nickName: 'n' });
  });

  it('clears the attribute on replace with null (RFC 7643 §2.5: null is unassigned)', () => {
    expect(patchUser({ title: 't', userName: 'u' }, { op: 'replace', path: 'title', value: null }).attributes).toEqual({ userName: 'u' });
  });

  it('deprovisions with Okta\'s path-less replace', () => {
    const result = patchUser({ userName: 'u', active: true }, { op: 'replace', value: { active: false } });
    expect(result).toEqual({ attributes: { userName: 'u', active: false }, changed: true });
  });

  it('treats path-less keys as paths: dotted, URN-qualified, any case (Entra ID)', () => {
    const result = patchUser(
      { userName: 'u', name: { familyName: 'F' }, emails: [{ type: 'work', value: 'old@x.org' }] },
      {
        op: 'Replace',
        value: { 'name.givenName': 'G', DisplayName: 'D', [`${ENTERPRISE}:department`]: 'Eng', 'emails[type eq "work"].value': 'w@x.org' },
      },
    );
    expect(result.attributes).toEqual({
      userName: 'u',
      name: { familyName: 'F', givenName: 'G' },
      displayName: 'D',
      [ENTERPRISE]: { department: 'Eng' },
      emails: [{ type: 'work', value: 'w@x.org' }],
    });
  });

  it('accepts an extension URN key whose value is an object of its attributes', () => {
    const result = patchUser({}, { op: 'replace', value: { [ENTERPRISE]: { Department: 'D', manager: { value: 'm' } } } });
    expect(result.attributes[ENTERPRISE]).toEqual({ department: 'D', manager: { value: 'm' } });
  });

  it('accepts a path naming the whole extension', () => {
    const result = patchUser({ [ENTERPRISE]: { division: 'X' } }, { op: 'replace', path: ENTERPRISE, value: { department: 'D' } });
    expect(result.attributes[ENTERPRISE]).toEqual({ division: 'X', department: 'D' });
  });

  it('reports no change when the value is already the stored one', () => {
    expect(patchUser({ userName: 'u', active: true }, { op: 'replace', path: 'active', value: 'True' }).changed).toBe(false);
  });

  it('treats key order inside values as no change', () => {
    const result = patchUser({ name: { givenName: 'G', familyName: 'F' } }, { op: 'replace', path: 'name', value: { familyName: 'F', givenName: 'G' } });
    expect(result.changed).toBe(false);
  });

  it('sets a sub-attribute on every value when a multi-valued path has no filter', () => {
    const result = patchUser({ emails: [work, home] }, { op: 'replace', path: 'emails.display', value: 'E' });
    expect(result.attributes.emails).toEqual([{ ...work, display: 'E' }, { ...home, display: 'E' }]);
  });
});

describe('applyPatch: remove (RFC 7644 §3.5.2.2)', () => {
  it('removes a simple attribute', () => {
    expect(patchUser({ userName: 'u', title: 't' }, { op: 'remove', path: 'title' }).attributes).toEqual({ userName: 'u' });
  });

  it('removes a sub-attribute and drops an emptied complex attribute', () => {
    expect(patchUser({ name: { givenName: 'G' } }, { op: 'remove', path: 'name.givenName' }).attributes).toEqual({});
    expect(patchUser({ name: { givenName: 'G', familyName: 'F' } }, { op: 'remove', path: 'name.givenName' }).attributes).toEqual({ name: { familyName: 'F' } });
  });

  it('removes only the values a filter matches', () => {
    expect(patchUser({ emails: [work, home] }, { op: 'remove', path: 'emails[type eq "work"]' }).attributes).toEqual({ emails: [home] });
  });

  it('leaves the attribute unassigned when the last value goes', () => {
    expect(patchUser({ userName: 'u', emails: [work] }, { op: 'remove', path: 'emails[type eq "work"]' }).attributes).toEqual({ userName: 'u' });
  });

  it('is a no-op (changed=false) when the filter matches nothing', () => {
    expect(patchUser({ emails: [home] }, { op: 'remove', path: 'emails[type eq "work"]' })).toEqual({ attributes: { emails: [home] }, changed: false });
  });

  it('removes a sub-attribute of the matched values only', () => {
    const result = patchUser({ emails: [{ ...work, primary: true }, home] }, { op: 'remove', path: 'emails[type eq "work"].primary' });
    expect(result.attributes.emails).toEqual([work, home]);
  });

  it('removes exactly the listed values when remove carries a value (Entra ID members), never all', () => {
    const start = { displayName: 'g', members: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] };
    const ops = parsePatchRequest(registry, groupType, message({ op: 'Remove', path: 'members', value: [{ value: 'a' }, { value: 'c' }] }));
    expect(applyPatch(registry, groupType, start, ops).attributes.members).toEqual([{ value: 'b' }]);
  });

  it('removes values named by `value` only, ignoring other sub-attributes of the removal value', () => {
    const result = patchUser({ emails: [work, home] }, { op: 'remove', path: 'emails', value: [{ value: 'W@X.ORG', type: 'other' }] });
    expect(result.attributes.emails).toEqual([home]);
  });

  it('removes the whole extension with its URN as the path', () => {
    expect(patchUser({ userName: 'u', [ENTERPRISE]: { department: 'D' } }, { op: 'remove', path: ENTERPRISE }).attributes).toEqual({ userName: 'u' });
  });

  it('removes the extension object when its last attribute goes', () => {
    expect(patchUser({ [ENTERPRISE]: { manager: { value: 'm' } } }, { op: 'remove', path: `${ENTERPRISE}:manager` }).attributes).toEqual({});
  });

  it('keeps a singular value that a removal value does not name', () => {
    const start = { [ENTERPRISE]: { manager: { value: 'm1' } } };
    expect(patchUser(start, { op: 'remove', path: `${ENTERPRISE}:manager`, value: { value: 'other' } }).changed).toBe(false);
    expect(patchUser(start, { op: 'remove', path: `${ENTERPRISE}:manager`, value: 'm1' }).attributes).toEqual({});
  });

  it('is noTarget without a path', () => {
    expect(patchError({}, { op: 'remove' })).toMatchObject({ status: 400, scimType: 'noTarget', detail: expect.stringContaining('Operation 0') });
  });
});

describe('applyPatch: primary (RFC 7643 §2.4)', () => {
  it('clears primary on the other values when an added value is primary', () => {
    const result = patchUser({ emails: [{ ...work, primary: true }] }, { op: 'add', path: 'emails', value: [{ ...home, primary: true }] });
    expect(result.attributes.emails).toEqual([work, { ...home, primary: true }]);
  });

  it('clears primary on the others when a filtered value is made primary', () => {
    const result = patchUser({ emails: [{ ...work, primary: true }, home] }, { op: 'replace', path: 'emails[type eq "home"].primary', value: 'True' });
    expect(result.attributes.emails).toEqual([work, { ...home, primary: true }]);
  });

  it('rejects two primary values written at once', () => {
    const error = patchError({}, { op: 'replace', path: 'emails', value: [{ ...work, primary: true }, { ...home, primary: true }] });
    expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
  });
});

describe('applyPatch: mutability (RFC 7643 §2.2)', () => {
  it.each([
    ['id', 'x'],
    ['meta', { version: '1' }],
    ['groups', [{ value: 'g' }]],
    [`${ENTERPRISE}:manager.displayName`, 'M'],
  ])('refuses to change readOnly %s (mutability)', (path, value) => {
    expect(patchError({}, { op: 'replace', path, value })).toMatchObject({ status: 400, scimType: 'mutability' });
  });

  const immutableRegistry = createSchemaRegistry({
    schemas: [
      {
        id: 'urn:test:Thing',
        attributes: [
          { name: 'code', mutability: 'immutable' },
          { name: 'tags', type: 'complex', multiValued: true, subAttributes: [{ name: 'value', mutability: 'immutable' }, { name: 'label' }] },
        ],
      },
    ],
    resourceTypes: [{ name: 'Thing', endpoint: '/Things', schema: 'urn:test:Thing' }],
    commonAttributes: [{ name: 'id', mutability: 'readOnly' }],
  });
  const thing = immutableRegistry.resourceType('Thing')!;
  const apply = (start: Record<string, unknown>, ...ops: unknown[]) => applyPatch(immutableRegistry, thing, start, parsePatchRequest(immutableRegistry, thing, message(...ops)));

  it('lets an immutable attribute be set while it is unassigned', () => {
    expect(apply({}, { op: 'add', path: 'code', value: 'c1' }).attributes).toEqual({ code: 'c1' });
  });

  it('refuses to change or remove an immutable attribute that has a value', () => {
    expect(() => apply({ code: 'c1' }, { op: 'replace', path: 'code', value: 'c2' })).toThrow(expect.objectContaining({ scimType: 'mutability' }));
    expect(() => apply({ code: 'c1' }, { op: 'remove', path: 'code' })).toThrow(expect.objectContaining({ scimType: 'mutability' }));
  });

  it('accepts setting an immutable attribute to its current value', () => {
    expect(apply({ code: 'c1' }, { op: 'replace', path: 'code', value: 'c1' }).changed).toBe(false);
  });

  it('refuses to change an immutable sub-attribute of an existing value, but allows adding values', () => {
    expect(() => apply({ tags: [{ value: 'a' }] }, { op: 'replace', path: 'tags[value eq "a"].value', value: 'b' })).toThrow(
      expect.objectContaining({ scimType: 'mutability' }),
    );
    expect(apply({ tags: [{ value: 'a' }] }, { op: 'add', path: 'tags', value: [{ value: 'b' }] }).attributes.tags).toEqual([{ value: 'a' }, { value: 'b' }]);
    expect(apply({ tags: [{ value: 'a' }] }, { op: 'replace', path: 'tags[value eq "a"].label', value: 'L' }).attributes.tags).toEqual([{ value: 'a', label: 'L' }]);
  });
});

describe('applyPatch: required attributes (RFC 7644 §3.5.2.2: removed or unassigned is mutability)', () => {
  const requiredRegistry = createSchemaRegistry({
    schemas: [
      {
        id: 'urn:test:Badge',
        attributes: [
          { name: 'code', required: true },
          { name: 'note' },
          { name: 'holder', type: 'complex', subAttributes: [{ name: 'number', required: true }, { name: 'label' }] },
          { name: 'tags', type: 'complex', multiValued: true, subAttributes: [{ name: 'value', required: true }, { name: 'label' }] },
          { name: 'aliases', type: 'string', multiValued: true, required: true },
        ],
      },
      { id: 'urn:test:ext:Badge', attributes: [{ name: 'level' }, { name: 'site' }] },
    ],
    resourceTypes: [{ name: 'Badge', endpoint: '/Badges', schema: 'urn:test:Badge', schemaExtensions: [{ schema: 'urn:test:ext:Badge', required: true }] }],
    commonAttributes: [{ name: 'id', mutability: 'readOnly' }],
  });
  const badge = requiredRegistry.resourceType('Badge')!;
  const start = {
    code: 'c1',
    holder: { number: '7', label: 'L' },
    tags: [{ value: 'a', label: 'A' }, { value: 'b' }],
    aliases: ['x', 'y'],
    'urn:test:ext:Badge': { level: '1', site: 'S' },
  };
  const apply = (...ops: unknown[]) => applyPatch(requiredRegistry, badge, start, parsePatchRequest(requiredRegistry, badge, message(...ops)));

  it.each([
    ['remove of a required attribute', { op: 'remove', path: 'code' }, /'code' is required/],
    ['replace of a required attribute with null', { op: 'replace', path: 'code', value: null }, /'code' is required/],
    ['replace of a required attribute with ""', { op: 'replace', path: 'code', value: '' }, /'code' is required/],
    ['path-less replace with a required attribute null', { op: 'replace', value: { note: 'n', code: null } }, /'code' is required/],
    ['remove of a required sub-attribute of a singular complex attribute', { op: 'remove', path: 'holder.number' }, /'holder.number' is required/],
    ['replace of a required sub-attribute with null', { op: 'replace', path: 'holder.number', value: null }, /'holder.number' is required/],
    ['remove of a required sub-attribute through a value filter', { op: 'remove', path: 'tags[value eq "a"].value' }, /'tags.value' is required/],
    ['replace of a required sub-attribute through a value filter with null', { op: 'replace', path: 'tags[value eq "b"].value', value: null }, /'tags.value' is required/],
    ['remove of every value of a required multi-valued attribute', { op: 'remove', path: 'aliases' }, /'aliases' is required/],
    ['remove of a required extension as a whole', { op: 'remove', path: 'urn:test:ext:Badge' }, /extension 'urn:test:ext:Badge' is required/],
    ['removing the last attribute of a required extension', { op: 'remove', path: 'urn:test:ext:Badge:level' }, undefined],
  ])('%s is 400 mutability', (_name, operation, detail) => {
    if (detail === undefined) {
      // Removing one attribute leaves the extension with its other one: allowed.
      expect(apply(operation).attributes['urn:test:ext:Badge']).toEqual({ site: 'S' });
      expect(() => apply(operation, { op: 'remove', path: 'urn:test:ext:Badge:site' })).toThrow(
        expect.objectContaining({ status: 400, scimType: 'mutability', detail: expect.stringMatching(/^Operation 1 .*extension 'urn:test:ext:Badge' is required/) }),
      );
      return;
    }
    expect(() => apply(operation)).toThrow(expect.objectContaining({ status: 400, scimType: 'mutability', detail: expect.stringMatching(detail) }));
  });

  it('still lets the values of a required attribute change, and whole values with a required sub-attribute go', () => {
    expect(apply({ op: 'replace', path: 'code', value: 'c2' }).attributes.code).toBe('c2');
    expect(apply({ op: 'remove', path: 'tags[value eq "a"]' }).attributes.tags).toEqual([{ value: 'b' }]);
    expect(apply({ op: 'remove', path: 'holder.label' }).attributes.holder).toEqual({ number: '7' });
  });

  it('leaves a new value that lacks a required sub-attribute to the validator (invalidValue, not mutability)', () => {
    // Adding is not removing: the result is then refused by the same rules as PUT (validate-patched.ts).
    expect(apply({ op: 'add', path: 'tags', value: [{ label: 'no value' }] }).attributes.tags).toHaveLength(3);
  });
});

describe('applyPatch: atomicity and purity', () => {
  it('never mutates its input', () => {
    const start = { userName: 'u', title: 't', emails: [{ ...work }], name: { givenName: 'G' } };
    const snapshot = structuredClone(start);
    patchUser(start, { op: 'add', path: 'emails', value: [home] }, { op: 'replace', path: 'name.givenName', value: 'H' }, { op: 'remove', path: 'title' });
    expect(start).toEqual(snapshot);
  });

  it('fails as a whole when a later operation fails, naming its index', () => {
    const start = { userName: 'u' };
    const error = patchError(start, { op: 'replace', path: 'title', value: 't' }, { op: 'replace', path: 'emails[type eq "work"].value', value: 'x' });
    expect(error.detail).toMatch(/^Operation 1\b/);
    expect(start).toEqual({ userName: 'u' });
  });

  it('applies operations in order: a later one sees the earlier one', () => {
    const result = patchUser({}, { op: 'add', path: 'emails', value: [work] }, { op: 'replace', path: 'emails[type eq "work"].value', value: 'n@x.org' });
    expect(result.attributes.emails).toEqual([{ type: 'work', value: 'n@x.org' }]);
  });

  it('reports no change when operations cancel out', () => {
    expect(patchUser({ title: 't' }, { op: 'replace', path: 'title', value: 'x' }, { op: 'replace', path: 'title', value: 't' }).changed).toBe(false);
  });
});
