// The MongoDB query compiler, checked where no MongoDB server runs: every case of the shared filter tables is
// compiled, run with mingo (MongoDB's query language in JavaScript) over the documents the MongoDB store writes for
// the fixture users, and compared with the in-memory evaluator (the oracle) and with the table's expectation.
import { Query } from 'mingo';
import { versionToETag } from '../../../../src/scim/etag';
import { evaluateFilter } from '../../../../src/scim/filter/evaluate-filter';
import type { FilterAst } from '../../../../src/scim/filter/filter-ast';
import { parseFilter } from '../../../../src/scim/filter/parse-filter';
import type { ScimAttributes } from '../../../../src/scim/schema/attribute';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { escapeRegex, filterToMongo, MATCH_NONE, textPattern, type MongoQuery } from '../../../../src/store/mongo/filter-to-mongo';
import { toMembershipDocument } from '../../../../src/store/mongo/membership-document';
import { toResourceDocument, type ResourceDocument } from '../../../../src/store/mongo/resource-document';
import { createStoreModel } from '../../../../src/store/model/resource-model';
import { filterAstCases } from '../../../contract/filter-ast-cases';
import { filterBuilder, type FilterBuilder } from '../../../contract/filter-builder';
import { ENTERPRISE_USER, filterCases, filterFixtureUsers } from '../../../fixtures/filter-cases';

const registry = loadBuiltinRegistry();
const model = createStoreModel(registry);
const userModel = model.modelOf('User');
const users = filterBuilder(registry, 'User');
const userType = registry.resourceType('User')!;
const TENANT = 'filters';

interface Row {
  readonly id: string;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
  readonly attributes: ScimAttributes;
}

/** What the store writes: replaced rows (lastModified differs from created) are at version 2. */
const fixtureRows: Row[] = filterFixtureUsers.map((user) => ({
  id: user.id,
  version: user.lastModified === user.created ? 1 : 2,
  created: user.created,
  lastModified: user.lastModified,
  attributes: user.attributes,
}));

function documentsOf(rows: readonly Row[]): ResourceDocument[] {
  const documents = rows.map((row) => toResourceDocument(TENANT, userModel, { resourceType: 'User', internal: {}, ...row }));
  // Rows no filter may ever select: another tenant and another resource type (the store adds both to every query).
  documents.push(toResourceDocument('elsewhere', userModel, { resourceType: 'User', id: 'u-bjensen', version: 1, created: fixtureRows[0].created, lastModified: fixtureRows[0].created, attributes: { userName: 'bjensen' }, internal: {} }));
  documents.push(toResourceDocument(TENANT, model.modelOf('Group'), { resourceType: 'Group', id: 'g-1', version: 1, created: fixtureRows[0].created, lastModified: fixtureRows[0].created, attributes: { displayName: 'bjensen' }, internal: {} }));
  // Through JSON, as the driver would send them: nothing but plain data may reach the database.
  return JSON.parse(JSON.stringify(documents)) as ResourceDocument[];
}

async function mingoIds(documents: readonly ResourceDocument[], filter: FilterAst): Promise<string[]> {
  const compiled = await filterToMongo(filter, { model: userModel });
  const query = new Query({ $and: [{ tenantId: TENANT, resourceType: 'User' }, compiled] });
  return query
    .find<ResourceDocument>(documents as ResourceDocument[])
    .all()
    .map((document) => document.id)
    .sort();
}

function oracleIds(rows: readonly Row[], filter: FilterAst): string[] {
  return rows
    .filter((row) =>
      evaluateFilter(filter, {
        id: row.id,
        attributes: row.attributes,
        meta: { resourceType: 'User', created: row.created, lastModified: row.lastModified, version: versionToETag(row.version) },
      }),
    )
    .map((row) => row.id)
    .sort();
}

describe('filterToMongo, run with mingo over the stored documents', () => {
  const documents = documentsOf(fixtureRows);

  it.each(filterAstCases.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
    const filter = entry.filter(users);
    const expected = [...entry.expectedIds].sort();
    expect(oracleIds(fixtureRows, filter)).toEqual(expected);
    expect(await mingoIds(documents, filter)).toEqual(expected);
  });

  const idOf = new Map(filterFixtureUsers.map((user) => [user.attributes.userName as string, user.id]));
  it.each(filterCases.map((entry) => [entry.filter, entry] as const))('parsed: %s', async (_text, entry) => {
    const filter = parseFilter(entry.filter, { registry, resourceType: userType });
    const expected = entry.expectedUserNames.map((userName) => idOf.get(userName)!).sort();
    expect(oracleIds(fixtureRows, filter)).toEqual(expected);
    expect(await mingoIds(documents, filter)).toEqual(expected);
  });

  it('never selects another tenant or resource type, even for a filter that matches everything', async () => {
    expect(await mingoIds(documents, users.pr('id'))).toEqual(fixtureRows.map((row) => row.id).sort());
  });
});

describe('filterToMongo on awkward values', () => {
  // Regular-expression and pattern metacharacters, quotes, keys in another case, wrong JSON types, nulls and
  // undeclared members: mingo over the stored documents must agree with the evaluator on every one.
  const rows: Row[] = [
    ['w-1', { userName: 'percent', displayName: '100% sure', title: 'a_b', nickName: 'a.c' }],
    ['w-2', { userName: 'under', displayName: '100 percent', title: 'axb', nickName: 'abc' }],
    ['w-3', { userName: "o'brien", displayName: 'back\\slash', title: '[x]*?', nickName: '^(a|b)+$' }],
    ['w-4', { USERNAME: 'MixedKeys', DisplayName: 'Mixed', Emails: [{ VALUE: 'Mixed@Example.com', Type: 'work' }], [ENTERPRISE_USER.toUpperCase()]: { Department: 'Ops' } }],
    ['w-5', { userName: 'wrongtypes', nickName: 42, active: 'true', title: ['first', 'second'], emails: [{ value: 7 }, 'bare'] }],
    ['w-6', { userName: 'nulls', displayName: null, emails: [null, { value: null, type: 'work' }], name: {} }],
    ['w-7', { userName: 'line\nbreak', displayName: 'ends with newline\n', title: 'nul\u0000byte', nickName: '{1,2}' }],
    ['w-8', { userName: 'undeclared', emails: [{ label: 'x' }], name: { nickname: '' }, phoneNumbers: [{ value: '1', VALUE: '2' }] }],
    ['w-9', { userName: 'astral \u{1F600} x', displayName: 'a\u{10000}b', title: 'dollar $1', emails: [{ type: '' }, {}] }],
  ].map(([id, attributes]) => ({ id: id as string, version: 1, created: '2024-01-01T00:00:00.000Z', lastModified: '2024-01-01T00:00:00.000Z', attributes: attributes as ScimAttributes }));
  const documents = documentsOf(rows);

  const cases: [string, (f: FilterBuilder) => FilterAst][] = [
    ['co "%"', (f) => f.co('displayName', '%')],
    ['co "_"', (f) => f.co('title', '_')],
    ['co "."', (f) => f.co('nickName', '.')],
    ['sw "a.c" is not a wildcard', (f) => f.sw('nickName', 'a.c')],
    ['eq "^(a|b)+$"', (f) => f.eq('nickName', '^(a|b)+$')],
    ['co "(a|b)+"', (f) => f.co('nickName', '(a|b)+')],
    ['sw "^"', (f) => f.sw('nickName', '^')],
    ['ew "$"', (f) => f.ew('nickName', '$')],
    ['ew "$1"', (f) => f.ew('title', '$1')],
    ['co "{1,2}"', (f) => f.co('nickName', '{1,2}')],
    ['sw with a quote', (f) => f.sw('userName', "O'B")],
    ['co a backslash', (f) => f.co('displayName', '\\')],
    ['ew "]*?"', (f) => f.ew('title', ']*?')],
    ['co "[x]"', (f) => f.co('title', '[x]')],
    ['co "*"', (f) => f.co('title', '*')],
    ['ew before a final newline does not match', (f) => f.ew('displayName', 'newline')],
    ['ew including the newline', (f) => f.ew('displayName', 'newline\n')],
    ['sw across a newline', (f) => f.sw('userName', 'line\nb')],
    ['co a NUL character', (f) => f.co('title', '\u0000')],
    ['co an astral character', (f) => f.co('userName', '\u{1F600}')],
    ['ew after an astral character', (f) => f.ew('displayName', '\u{10000}b')],
    ['keys in another case: userName', (f) => f.eq('userName', 'mixedkeys')],
    ['keys in another case: emails.value', (f) => f.eq('emails.value', 'mixed@example.com')],
    ['keys in another case: value filter', (f) => f.where('emails', (e) => e.and(e.eq('type', 'work'), e.sw('value', 'MIXED')))],
    ['keys in another case: extension', (f) => f.eq(`${ENTERPRISE_USER}:department`, 'ops')],
    ['a number in a string attribute matches no comparison', (f) => f.eq('nickName', '42')],
    ['a number in a string attribute is present', (f) => f.pr('nickName')],
    ['a string in a boolean attribute matches no comparison', (f) => f.eq('active', true)],
    ['a string in a boolean attribute is present', (f) => f.pr('active')],
    ['an array in a singular attribute: any value', (f) => f.eq('title', 'SECOND')],
    ['a number as an email value', (f) => f.eq('emails.value', '7')],
    ['a bare string or an undeclared member makes a complex value present', (f) => f.pr('emails')],
    ['an undeclared member that is "" does not', (f) => f.pr('name')],
    ['of two spellings of a sub-attribute, the canonical one is compared', (f) => f.eq('phoneNumbers.value', '2')],
    ['an undeclared member is never compared', (f) => f.where('emails', (e) => e.pr('value'))],
    ['null values are absent', (f) => f.pr('displayName')],
    ['an element without a value', (f) => f.where('emails', (e) => e.not(e.pr('value')))],
    ['ne over wrong types', (f) => f.ne('nickName', 'abc')],
    ['gt over wrong types', (f) => f.gt('nickName', '0')],
    // Not produced by the parser (it always names a sub-attribute inside [...]), but part of the AST's meaning.
    ['an element itself is present', (f) => ({ kind: 'valuePath', path: f.path('emails'), filter: { kind: 'present', path: f.path('emails') } })],
    ['an element itself is not present', (f) => ({ kind: 'valuePath', path: f.path('emails'), filter: { kind: 'not', filter: { kind: 'present', path: f.path('emails') } } })],
  ];

  it.each(cases)('%s', async (_name, build) => {
    const filter = build(users);
    expect(await mingoIds(documents, filter)).toEqual(oracleIds(rows, filter));
  });

  it('selects what it should on the metacharacter rows (the oracle is not vacuous)', async () => {
    expect(await mingoIds(documents, users.sw('nickName', 'a.c'))).toEqual(['w-1']);
    expect(await mingoIds(documents, users.eq('nickName', '^(a|b)+$'))).toEqual(['w-3']);
    expect(await mingoIds(documents, users.ew('displayName', 'newline'))).toEqual([]);
    expect(await mingoIds(documents, users.co('title', '\u0000'))).toEqual(['w-7']);
  });
});

describe('regular expressions for co, sw and ew', () => {
  const specials = ['\\', '^', '$', '.', '|', '?', '*', '+', '(', ')', '[', ']', '{', '}'];

  it.each(specials)('escapes %s so that it matches only itself', (char) => {
    const pattern = escapeRegex(char);
    expect(pattern).toBe(`\\${char}`);
    const regex = new RegExp(`^${pattern}(?![\\s\\S])`);
    expect(regex.test(char)).toBe(true);
    for (const other of ['', 'a', `${char}${char}`, `\\${char}`]) if (other !== char) expect(regex.test(other)).toBe(false);
  });

  it('leaves letters, digits, spaces and non-ASCII text as they are, and writes NUL as \\x00', () => {
    expect(escapeRegex('Zoë Müller 42 @-_/#')).toBe('Zoë Müller 42 @-_/#');
    expect(escapeRegex('a\u0000b')).toBe('a\\x00b');
    expect(escapeRegex('a\u0000b')).not.toContain('\u0000');
  });

  it('anchors sw at the start and ew at the very end of the value, co nowhere', () => {
    expect(textPattern('co', 'a.b')).toBe('a\\.b');
    expect(textPattern('sw', 'a.b')).toBe('^a\\.b');
    expect(textPattern('ew', 'a.b')).toBe('a\\.b(?![\\s\\S])');
    const ew = new RegExp(textPattern('ew', 'end'));
    expect(ew.test('the end')).toBe(true);
    expect(ew.test('the end\n')).toBe(false);
    expect(ew.test('the ends')).toBe(false);
  });
});

describe('filterToMongo on members (the membership collection)', () => {
  const groups = filterBuilder(registry, 'Group');
  const groupModel = model.modelOf('Group');
  const memberships = [
    toMembershipDocument('t1', 'g-a', { value: 'u-1', type: 'User' }),
    toMembershipDocument('t1', 'g-a', { value: 'g-b', type: 'Group' }),
    toMembershipDocument('t1', 'g-b', { value: 'u-1', type: 'User', display: 'Uno' }),
    toMembershipDocument('t1', 'g-b', { value: 'u-2', type: 'User' }),
  ];
  const groupDocuments = ['g-a', 'g-b', 'g-c'].map((id) =>
    toResourceDocument('t1', groupModel, { resourceType: 'Group', id, version: 1, created: '2024-01-01T00:00:00.000Z', lastModified: '2024-01-01T00:00:00.000Z', attributes: { displayName: id }, internal: {} }),
  );
  const resolved: MongoQuery[] = [];
  const memberGroups = async (memberQuery: MongoQuery) => {
    resolved.push(memberQuery);
    const matching = new Query({ $and: [{ tenantId: 't1' }, memberQuery] }).find<{ groupId: string }>(memberships).all();
    return [...new Set(matching.map((membership) => membership.groupId))];
  };
  const matching = async (filter: FilterAst) => {
    const compiled = await filterToMongo(filter, { model: groupModel, memberGroups });
    return new Query({ $and: [{ tenantId: 't1', resourceType: 'Group' }, compiled] })
      .find<ResourceDocument>(groupDocuments)
      .all()
      .map((document) => document.id)
      .sort();
  };

  it.each([
    ['members.value eq', groups.eq('members.value', 'u-1'), ['g-a', 'g-b']],
    ['members.value eq a group', groups.eq('members.value', 'g-b'), ['g-a']],
    ['members.value eq nobody', groups.eq('members.value', 'u-9'), []],
    ['members.value is case-exact', groups.eq('members.value', 'U-1'), []],
    ['value filter', groups.where('members', (m) => m.eq('value', 'u-2')), ['g-b']],
    ['value filter on two sub-attributes', groups.where('members', (m) => m.and(m.eq('type', 'User'), m.eq('value', 'u-2'))), ['g-b']],
    ['value filter that no one member satisfies', groups.where('members', (m) => m.and(m.eq('type', 'Group'), m.eq('value', 'u-2'))), []],
    ['not', groups.not(groups.eq('members.value', 'u-1')), ['g-c']],
    ['members pr', groups.pr('members'), ['g-a', 'g-b']],
    ['members.display pr', groups.pr('members.display'), ['g-b']],
    ['members.value sw', groups.sw('members.value', 'g-'), ['g-a']],
    ['members.type folded', groups.eq('members.type', 'group'), ['g-a']],
    ['members.display folded', groups.eq('members.display', 'UNO'), ['g-b']],
    ['members.type ne: no member of that type', groups.ne('members.type', 'user'), ['g-c']],
  ] as const)('%s', async (_name, filter, expected) => {
    expect(await matching(filter)).toEqual(expected);
  });

  it('asks the membership collection by member id for `members.value eq` (the groups of a user)', async () => {
    resolved.length = 0;
    await matching(groups.eq('members.value', 'u-1'));
    expect(resolved).toEqual([{ memberId: { $eq: 'u-1' } }]);
  });

  it('selects nothing for members conditions when no resolver is given', async () => {
    expect(await filterToMongo(groups.eq('members.value', 'u-1'), { model: groupModel })).toBe(MATCH_NONE);
  });
});

describe('filterToMongo query shapes', () => {
  it('reads a unique path through its unique field, and "" through the search document', async () => {
    expect(await filterToMongo(users.eq('userName', 'BJensen'), { model: userModel })).toEqual({ 'u.userName': { $eq: 'bjensen' } });
    expect(await filterToMongo(users.eq('userName', ''), { model: userModel })).toEqual({ 's.userName': { $eq: '' } });
  });

  it('reads roles.value (the holders of a role) through its indexed field, folded', async () => {
    expect(await filterToMongo(users.eq('roles.value', 'Admin'), { model: userModel })).toEqual({ 's.roles.value': { $eq: 'admin' } });
  });

  it('compiles a value filter to $elemMatch and ne to $nor', async () => {
    expect(await filterToMongo(users.where('emails', (e) => e.and(e.eq('type', 'Work'), e.ne('value', 'x'))), { model: userModel })).toEqual({
      's.emails': { $elemMatch: { $and: [{ type: { $eq: 'work' } }, { $nor: [{ value: { $eq: 'x' } }] }] } },
    });
  });

  it('addresses extension attributes through an encoded field name without dots', async () => {
    const compiled = await filterToMongo(users.eq(`${ENTERPRISE_USER}:department`, 'Ops'), { model: userModel });
    const [field] = Object.keys(compiled);
    expect(field.startsWith('s.')).toBe(true);
    expect(field.slice(2)).not.toMatch(/[.$]/);
  });

  it('compares dateTime literals as normalised instants', async () => {
    expect(await filterToMongo(users.gt('meta.lastModified', '2024-01-15T11:00:00+01:00'), { model: userModel })).toEqual({
      lastModified: { $gt: '2024-01-15T10:00:00.000Z' },
    });
  });
});
