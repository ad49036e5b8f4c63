import { parsePatchRequest } from '../../../../src/scim/patch/parse-patch';
import { ENTERPRISE, groupType, message, PATCH_OP, registry, userType } from './patch-helpers';

const parse = (body: unknown) => parsePatchRequest(registry, userType, body);
const failure = (body: unknown) => {
  try {
    parse(body);
  } catch (error) {
    const { status, scimType, detail } = error as { status: number; scimType?: string; detail: string };
    return { status, scimType, detail };
  }
  throw new Error('expected parsePatchRequest to fail');
};

describe('parsePatchRequest: the message (RFC 7644 §3.5.2)', () => {
  it.each([
    ['not an object', []],
    ['no schemas', { Operations: [{ op: 'add', path: 'title', value: 't' }] }],
    ['wrong schema', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], Operations: [{ op: 'add', path: 'title', value: 't' }] }],
    ['schemas as a string', { schemas: PATCH_OP, Operations: [{ op: 'add', path: 'title', value: 't' }] }],
    ['no Operations', { schemas: [PATCH_OP] }],
    ['empty Operations', { schemas: [PATCH_OP], Operations: [] }],
    ['Operations not an array', { schemas: [PATCH_OP], Operations: { op: 'add' } }],
  ])('rejects %s with invalidSyntax', (_name, body) => {
    expect(failure(body)).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
  });

  it('accepts the PatchOp URN and member names in any case', () => {
    const ops = parse({ SCHEMAS: [PATCH_OP.toUpperCase()], operations: [{ OP: 'REPLACE', Path: 'Title', Value: 't' }] });
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ index: 0, op: 'replace', value: 't' });
    expect(ops[0].path?.attribute.attribute.name).toBe('title');
    expect(ops[0].path?.text).toBe('Title');
  });

  it('ignores extra members in the message and in operations (Entra ID "name", a message "id")', () => {
    const ops = parse({ id: 'x', schemas: [PATCH_OP], Operations: [{ name: 'addMember', op: 'add', path: 'title', value: 't' }] });
    expect(ops).toEqual([expect.objectContaining({ op: 'add', value: 't' })]);
  });
});

describe('parsePatchRequest: operations', () => {
  it.each([
    [{ op: 'move', path: 'title', value: 't' }, 'invalidSyntax'],
    [{ path: 'title', value: 't' }, 'invalidSyntax'],
    ['add', 'invalidSyntax'],
    [{ op: 'add', path: 42, value: 't' }, 'invalidPath'],
    [{ op: 'remove' }, 'noTarget'],
    [{ op: 'remove', path: '' }, 'noTarget'],
    [{ op: 'add', path: 'title' }, 'invalidValue'],
    [{ op: 'add', path: 'title', value: null }, 'invalidValue'],
    [{ op: 'replace', path: 'title' }, 'invalidValue'],
    [{ op: 'add', value: 'not an object' }, 'invalidValue'],
    [{ op: 'replace', value: [{ active: false }] }, 'invalidValue'],
  ])('%j -> %s', (operation, scimType) => {
    expect(failure(message(operation))).toMatchObject({ status: 400, scimType, detail: expect.stringMatching(/^Operation 0\b/) });
  });

  it('names the index of the failing operation', () => {
    expect(failure(message({ op: 'add', path: 'title', value: 't' }, { op: 'add', path: 'nope', value: 1 })).detail).toMatch(/^Operation 1: 'nope'/);
  });
});

describe('parsePatchRequest: paths', () => {
  it.each([
    'nope',
    'name.nope',
    'title.sub',
    'emails[type eq "work"',
    'emails[type eq "work"]value',
    'emails[type eq "work"].nope',
    'name[givenName eq "x"]',
    'userName[value eq "x"]',
    'urn:ietf:params:scim:schemas:extension:nope:2.0:User:department',
    `${ENTERPRISE}:nope`,
    'a.b.c',
  ])('rejects %s with invalidPath', (path) => {
    expect(failure(message({ op: 'add', path, value: 'x' }))).toMatchObject({ status: 400, scimType: 'invalidPath', detail: expect.stringContaining('Operation 0') });
  });

  // RFC 7644 §3.12 lists invalidFilter for "PATCH (Path Filter)": the filter inside the brackets is a filter.
  it.each(['emails[nope eq "work"]', 'emails[type eq]', 'emails[type eq "work" and].value'])('rejects %s with invalidFilter', (path) => {
    expect(failure(message({ op: 'replace', path, value: 'x' }))).toMatchObject({ status: 400, scimType: 'invalidFilter', detail: expect.stringMatching(/^Operation 0: the value filter in/) });
  });

  it('resolves a value filter path with a sub-attribute', () => {
    const [op] = parse(message({ op: 'replace', path: 'EMAILS[Type eq "work"].Value', value: 'x' }));
    expect(op.path?.attribute.attribute.name).toBe('emails');
    expect(op.path?.attribute.subAttribute).toBeUndefined();
    expect(op.path?.subAttribute?.name).toBe('value');
    expect(op.path?.valueFilter).toMatchObject({ kind: 'compare', op: 'eq', value: 'work' });
  });

  it('keeps a `]` inside a quoted filter value', () => {
    const [op] = parse(message({ op: 'remove', path: 'emails[value eq "a]b@x.org"]' }));
    expect(op.path?.valueFilter).toMatchObject({ kind: 'compare', value: 'a]b@x.org' });
  });

  it('resolves URN-qualified extension paths with a sub-attribute', () => {
    const [op] = parse(message({ op: 'replace', path: `${ENTERPRISE}:manager.value`, value: 'm' }));
    expect(op.path?.attribute).toMatchObject({ schemaUrn: ENTERPRISE, inExtension: true });
    expect(op.path?.attribute.attribute.name).toBe('manager');
    expect(op.path?.subAttribute?.name).toBe('value');
  });

  it('resolves core-URN-qualified paths', () => {
    const [op] = parse(message({ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:name.familyName', value: 'F' }));
    expect(op.path?.attribute.attribute.name).toBe('name');
    expect(op.path?.subAttribute?.name).toBe('familyName');
  });
});

describe('parsePatchRequest: path-less values', () => {
  it('splits a value object into one operation per key, keeping the index', () => {
    const ops = parse(message({ op: 'add', path: 'title', value: 't' }, { op: 'Replace', value: { 'name.givenName': 'G', active: 'False', schemas: ['x'] } }));
    expect(ops.map((op) => [op.index, op.op, op.path?.text, op.value])).toEqual([
      [0, 'add', 'title', 't'],
      [1, 'replace', 'name.givenName', 'G'],
      [1, 'replace', 'active', 'False'],
    ]);
  });

  it('splits `members` out of a path-less Group value into its own operation with a members path', () => {
    const ops = parsePatchRequest(registry, groupType, message({ op: 'add', value: { displayName: 'G', members: [{ value: 'u1' }] } }));
    expect(ops).toHaveLength(2);
    const members = ops.find((op) => op.path?.attribute.attribute.name === 'members');
    expect(members).toEqual(expect.objectContaining({ index: 0, op: 'add', value: [{ value: 'u1' }] }));
  });

  it('expands an extension URN key into that extension\'s attributes', () => {
    const ops = parse(message({ op: 'replace', value: { [ENTERPRISE]: { department: 'D', manager: 'm' } } }));
    expect(ops.map((op) => [op.path?.attribute.schemaUrn, op.path?.attribute.attribute.name])).toEqual([
      [ENTERPRISE, 'department'],
      [ENTERPRISE, 'manager'],
    ]);
  });

  it('ignores readOnly keys in a path-less value, as PUT does (Okta sends the group id)', () => {
    const ops = parsePatchRequest(registry, groupType, message({ op: 'replace', value: { id: 'g1', meta: {}, displayName: 'G' } }));
    expect(ops.map((op) => op.path?.attribute.attribute.name)).toEqual(['displayName']);
  });

  it('still rejects a readOnly attribute named by path (mutability, in applyPatch)', () => {
    expect(parse(message({ op: 'replace', path: 'id', value: 'x' }))[0].path?.attribute.attribute.mutability).toBe('readOnly');
  });

  it('rejects an unknown key in a path-less value (invalidPath), rather than dropping it silently', () => {
    expect(failure(message({ op: 'replace', value: { nope: 1 } }))).toMatchObject({ scimType: 'invalidPath', detail: expect.stringContaining("'nope'") });
  });
});

describe('parsePatchRequest: schema URNs the resource type does not have', () => {
  const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
  const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

  it.each([
    [`${ACME}:costCenter`, ACME, /a schema URN this server does not know/],
    [`${ACME}:tags[value eq "x"].label`, ACME, /a schema URN this server does not know/],
    [ACME, ACME, /a schema URN this server does not know/],
    [`${GROUP}:displayName`, GROUP, /"urn:ietf:params:scim:schemas:core:2.0:Group", a schema of another resource type/],
  ])('refuses the path %s with invalidPath naming the URN', (path, urn, what) => {
    const error = failure(message({ op: 'replace', path, value: 'x' }));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidPath', detail: expect.stringMatching(what) });
    expect(error.detail).toContain(urn);
    expect(error.detail).toContain(`the schemas of User are "urn:ietf:params:scim:schemas:core:2.0:User", "${ENTERPRISE}"`);
  });

  it('under unknownSchemas=ignore skips paths and path-less keys under unknown URNs, and still refuses known foreign ones', () => {
    const ignore = { unknownSchemas: 'ignore' } as const;
    const operations = parsePatchRequest(
      registry,
      userType,
      message({ op: 'replace', path: `${ACME}:costCenter`, value: 'x' }, { op: 'add', value: { title: 'T', [ACME]: { costCenter: 'x' } } }, { op: 'remove', path: ACME }),
      ignore,
    );
    expect(operations.map((operation) => [operation.index, operation.op, operation.path?.text])).toEqual([[1, 'add', 'title']]);
    expect(() => parsePatchRequest(registry, userType, message({ op: 'replace', path: `${GROUP}:displayName`, value: 'x' }), ignore)).toThrow(
      expect.objectContaining({ scimType: 'invalidPath' }),
    );
    // An unknown attribute of a schema the type has is a mistake, not an undefined extension: refused either way.
    expect(() => parsePatchRequest(registry, userType, message({ op: 'replace', path: `${ENTERPRISE}:favouriteColour`, value: 'x' }), ignore)).toThrow(
      expect.objectContaining({ scimType: 'invalidPath' }),
    );
  });
});
