import type { FilterAst } from '../../../../src/scim/filter/filter-ast';
import { parseFilter } from '../../../../src/scim/filter/parse-filter';
import { COMMON_SCHEMA, pathToString } from '../../../../src/scim/paths/resolved-path';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { URN } from '../../../../src/scim/urns';

const registry = loadBuiltinRegistry();
const userType = registry.resourceType('User')!;
const groupType = registry.resourceType('Group')!;
const parse = (filter: string) => parseFilter(filter, { registry, resourceType: userType });
const ENTERPRISE = URN.extension.enterpriseUser;

/** A compact rendering that shows grouping, canonical paths and coerced values. */
function show(ast: FilterAst): string {
  switch (ast.kind) {
    case 'and':
    case 'or':
      return `(${ast.filters.map(show).join(` ${ast.kind} `)})`;
    case 'not':
      return `not ${show(ast.filter)}`;
    case 'present':
      return `${pathToString(ast.path)} pr`;
    case 'compare':
      return `${pathToString(ast.path)} ${ast.op} ${JSON.stringify(ast.value)}`;
    case 'valuePath':
      return `${pathToString(ast.path)}[${show(ast.filter)}]`;
  }
}

describe('parseFilter: resolved paths', () => {
  it('resolves names case-insensitively to their canonical definitions', () => {
    const ast = parse('USERNAME EQ "bjensen"');
    expect(ast).toMatchObject({ kind: 'compare', op: 'eq', value: 'bjensen' });
    if (ast.kind !== 'compare') throw new Error('unreachable');
    expect(ast.path.attribute.name).toBe('userName');
    expect(ast.path.schemaUrn).toBe(URN.core.user);
    expect(ast.path.inExtension).toBe(false);
    expect(ast.path.subAttribute).toBeUndefined();
  });

  it('resolves sub-attributes, common attributes and extension attributes', () => {
    const emails = parse('emails.Value co "x"');
    if (emails.kind !== 'compare') throw new Error('expected compare');
    expect(emails.path.attribute.name).toBe('emails');
    expect(emails.path.subAttribute?.name).toBe('value');

    const meta = parse('META.LASTMODIFIED gt "2024-01-01T00:00:00Z"');
    if (meta.kind !== 'compare') throw new Error('expected compare');
    expect(meta.path.schemaUrn).toBe(COMMON_SCHEMA);
    expect(pathToString(meta.path)).toBe('meta.lastModified');

    for (const text of [`${ENTERPRISE}:manager.value eq "m"`, `${ENTERPRISE.toLowerCase()}:MANAGER.VALUE eq "m"`, 'manager.value eq "m"']) {
      const manager = parse(text);
      if (manager.kind !== 'compare') throw new Error('expected compare');
      expect(manager.path.schemaUrn).toBe(ENTERPRISE);
      expect(manager.path.inExtension).toBe(true);
      expect(pathToString(manager.path)).toBe(`${ENTERPRISE}:manager.value`);
    }
  });

  it('resolves paths inside a value filter relative to the multi-valued attribute', () => {
    const ast = parse('Emails[Type eq "work" and VALUE co "@example.com"]');
    expect(ast.kind).toBe('valuePath');
    if (ast.kind !== 'valuePath') throw new Error('unreachable');
    expect(ast.path.attribute.name).toBe('emails');
    expect(ast.path.subAttribute).toBeUndefined();
    expect(ast.filter.kind).toBe('and');
    if (ast.filter.kind !== 'and') throw new Error('unreachable');
    const [type, value] = ast.filter.filters;
    expect(type).toMatchObject({ kind: 'compare', op: 'eq', value: 'work' });
    expect(value).toMatchObject({ kind: 'compare', op: 'co', value: '@example.com' });
    if (type.kind !== 'compare' || value.kind !== 'compare') throw new Error('unreachable');
    expect(type.path.attribute.name).toBe('emails');
    expect(type.path.subAttribute?.name).toBe('type');
    expect(value.path.subAttribute?.name).toBe('value');
  });

  it('reads emails[...].sub op value as one value filter over the same element', () => {
    expect(show(parse('emails[type eq "work"].value eq "x@example.com"'))).toBe(
      'emails[(emails.type eq "work" and emails.value eq "x@example.com")]',
    );
    expect(show(parse('emails[type eq "work" or type eq "home"].primary eq true'))).toBe(
      'emails[((emails.type eq "work" or emails.type eq "home") and emails.primary eq true)]',
    );
    expect(show(parse('emails[type eq "work"].value pr and userName pr'))).toBe(
      '(emails[(emails.type eq "work" and emails.value pr)] and userName pr)',
    );
  });

  it('compares a multi-valued complex attribute named directly through its value sub-attribute', () => {
    expect(show(parse('emails eq "a@example.com"'))).toBe('emails.value eq "a@example.com"');
    expect(show(parse('emails co "example"'))).toBe('emails.value co "example"');
    expect(show(parseFilter('members eq "u-1"', { registry, resourceType: groupType }))).toBe('members.value eq "u-1"');
    expect(show(parse('emails pr'))).toBe('emails pr');
  });

  it('turns eq null / ne null into presence tests (RFC 7643 §2.5)', () => {
    expect(show(parse('title eq null'))).toBe('not title pr');
    expect(show(parse('title NE NULL'))).toBe('title pr');
    expect(show(parse('name eq null'))).toBe('not name pr');
    expect(show(parse('emails eq null'))).toBe('not emails pr');
    expect(show(parse('title eq "null"'))).toBe('title eq "null"');
  });

  it('parses Group filters against the Group schema', () => {
    const groups = (text: string) => show(parseFilter(text, { registry, resourceType: groupType }));
    expect(groups('displayName eq "Admins"')).toBe('displayName eq "Admins"');
    expect(groups('members[value eq "u-1"]')).toBe('members[members.value eq "u-1"]');
    expect(() => parseFilter('userName eq "x"', { registry, resourceType: groupType })).toThrow("Unknown attribute 'userName' in filter at position 0");
  });
});

describe('parseFilter: coerced values', () => {
  const valueOf = (text: string) => {
    const ast = parse(text);
    if (ast.kind !== 'compare') throw new Error(`expected compare, got ${ast.kind}`);
    return ast.value;
  };

  it.each([
    ['active eq true', true],
    ['active eq TRUE', true],
    ['active eq "True"', true],
    ['active eq "False"', false],
    ['active eq False', false],
    ['userName eq "bjensen"', 'bjensen'],
    ['userName eq bjensen', 'bjensen'],
    ['userName sw O', 'O'],
    ['userName eq test@example.com', 'test@example.com'],
    ['userName eq "Zo\\u00EB"', 'Zoë'],
    ['userName eq "a\\"b\\\\c\\/d\\te"', 'a"b\\c/d\te'],
    ['userName eq "a+b"', 'a+b'],
    ['userName eq "  spaced  "', '  spaced  '],
    ['externalId eq 00123', '00123'],
    ['externalId eq 123', '123'],
    ['externalId eq -1.50', '-1.50'],
    ['externalId eq "123"', '123'],
    ['meta.created gt 2015-10-10T14:38:21.8617979-07:00', '2015-10-10T21:38:21.861Z'],
    ['meta.created gt "2015-10-10T14:38:21Z"', '2015-10-10T14:38:21.000Z'],
    ['meta.created gt "2015-10-10T14:38:21"', '2015-10-10T14:38:21.000Z'],
    ['meta.created gt "2015-10-10t14:38:21,5+0130"', '2015-10-10T13:08:21.500Z'],
    ['meta.created gt "2015-10-10T14:38Z"', '2015-10-10T14:38:00.000Z'],
    ['meta.created gt "2015-10-10"', '2015-10-10T00:00:00.000Z'],
    ['meta.created gt "2016-02-29T23:30:00-01:00"', '2016-03-01T00:30:00.000Z'],
    ['emails.primary eq "true"', true],
  ] as const)('%s -> %p', (text, expected) => {
    expect(valueOf(text)).toStrictEqual(expected);
  });
});

describe('parseFilter: structure and precedence', () => {
  it.each([
    ['userName eq "a" or userName eq "b" and title pr', '(userName eq "a" or (userName eq "b" and title pr))'],
    ['userName eq "a" and userName eq "b" or title pr', '((userName eq "a" and userName eq "b") or title pr)'],
    ['title pr or userName pr and nickName pr or displayName pr', '(title pr or (userName pr and nickName pr) or displayName pr)'],
    ['userName eq "a" and (userName eq "b" or title pr)', '(userName eq "a" and (userName eq "b" or title pr))'],
    ['(userName eq "a" and userName eq "b") and title pr', '(userName eq "a" and userName eq "b" and title pr)'],
    ['title pr or (userName pr or nickName pr)', '(title pr or userName pr or nickName pr)'],
    ['not (title pr) and userName pr', '(not title pr and userName pr)'],
    ['not (title pr and userName pr)', 'not (title pr and userName pr)'],
    ['not (title pr) or not (userName pr)', '(not title pr or not userName pr)'],
    ['not title pr and userName pr', '(not title pr and userName pr)'],
    ['NOT (NOT (title pr))', 'not not title pr'],
    ['((title pr))', 'title pr'],
    ['title pr AND userName pr OR nickName pr', '((title pr and userName pr) or nickName pr)'],
    ['emails[type eq "work"] or title pr', '(emails[emails.type eq "work"] or title pr)'],
    ['emails[not (type eq "work") and (value ew ".org" or primary eq true)]', 'emails[(not emails.type eq "work" and (emails.value ew ".org" or emails.primary eq true))]'],
  ])('%s', (text, expected) => {
    expect(show(parse(text))).toBe(expected);
  });

  it('accepts the `+`-for-space form only when the text fails as written, and never alters quoted values', () => {
    expect(show(parse('userName+eq+"bjensen"'))).toBe('userName eq "bjensen"');
    expect(show(parse('displayName+eq+"Babs+Jensen"'))).toBe('displayName eq "Babs+Jensen"');
    expect(show(parse('title+pr+and+not+(userName+eq+"x")'))).toBe('(title pr and not userName eq "x")');
    // Parses as written: the plus belongs to the unquoted value.
    expect(show(parse('userName eq a+b@example.com'))).toBe('userName eq "a+b@example.com"');
  });

  it('accepts whitespace of any kind between tokens and none before a quoted value or after a parenthesis', () => {
    expect(show(parse('\tuserName\neq\r\n"x"  '))).toBe('userName eq "x"');
    expect(show(parse('userName eq"x"and(title pr)'))).toBe('(userName eq "x" and title pr)');
  });

  it('accepts nesting up to the depth limit', () => {
    const nested = (depth: number) => `${'('.repeat(depth)}title pr${')'.repeat(depth)}`;
    expect(show(parse(nested(32)))).toBe('title pr');
    expect(show(parseFilter(nested(2), { registry, resourceType: userType, limits: { maxLength: 100, maxDepth: 2 } }))).toBe('title pr');
  });

  it('accepts a filter of exactly the maximum length', () => {
    const text = `userName eq "${'x'.repeat(4096 - 'userName eq ""'.length)}"`;
    expect(text).toHaveLength(4096);
    expect(parse(text).kind).toBe('compare');
  });
});
