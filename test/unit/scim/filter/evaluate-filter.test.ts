import { evaluateFilter, matchesValueFilter, type EvaluationTarget } from '../../../../src/scim/filter/evaluate-filter';
import { parseFilter } from '../../../../src/scim/filter/parse-filter';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { ENTERPRISE_USER, filterCases, filterFixtureUsers } from '../../../fixtures/filter-cases';

const registry = loadBuiltinRegistry();
const userType = registry.resourceType('User')!;
const parse = (filter: string) => parseFilter(filter, { registry, resourceType: userType });

const targets = filterFixtureUsers.map((user) => ({
  userName: user.attributes.userName as string,
  target: {
    id: user.id,
    attributes: user.attributes,
    meta: { resourceType: 'User', created: user.created, lastModified: user.lastModified, version: 'W/"1"' },
  } satisfies EvaluationTarget,
}));
const userNames = targets.map((entry) => entry.userName);
const sorted = (names: readonly string[]) => [...names].sort();

describe('the shared filter case table', () => {
  it('holds at least 200 distinct filters over the 12 fixture users, naming only fixture users', () => {
    expect(filterFixtureUsers).toHaveLength(12);
    expect(filterCases.length).toBeGreaterThanOrEqual(200);
    expect(new Set(filterCases.map((entry) => entry.filter)).size).toBe(filterCases.length);
    for (const entry of filterCases) {
      for (const name of entry.expectedUserNames) expect(userNames).toContain(name);
    }
  });

  it.each(filterCases)('$filter', ({ filter, expectedUserNames }) => {
    const ast = parse(filter);
    const matched = targets.filter((entry) => evaluateFilter(ast, entry.target)).map((entry) => entry.userName);
    expect(sorted(matched)).toEqual(sorted(expectedUserNames));
  });
});

describe('evaluateFilter on stored JSON', () => {
  const user = (attributes: Record<string, unknown>, extra: Partial<EvaluationTarget> = {}): EvaluationTarget => ({ attributes, ...extra });

  it('finds attributes whose stored keys differ in case from the canonical names', () => {
    const target = user({
      USERNAME: 'Mixed',
      Emails: [{ VALUE: 'mixed@example.com', Type: 'work' }],
      [ENTERPRISE_USER.toUpperCase()]: { Department: 'Ops', MANAGER: { Value: 'm-1' } },
    });
    expect(evaluateFilter(parse('userName eq "mixed"'), target)).toBe(true);
    expect(evaluateFilter(parse('emails[type eq "work" and value sw "MIXED"]'), target)).toBe(true);
    expect(evaluateFilter(parse('emails.value eq "mixed@example.com"'), target)).toBe(true);
    expect(evaluateFilter(parse(`${ENTERPRISE_USER}:department eq "ops"`), target)).toBe(true);
    expect(evaluateFilter(parse('manager.value eq "m-1"'), target)).toBe(true);
  });

  it('prefers the canonical key when the stored object has both spellings', () => {
    const target = user({ userName: 'canonical', USERNAME: 'other' });
    expect(evaluateFilter(parse('userName eq "canonical"'), target)).toBe(true);
    expect(evaluateFilter(parse('userName eq "other"'), target)).toBe(false);
  });

  it('reads id and meta from the target, falling back to inline attributes', () => {
    const inline = user({ id: 'inline-id', userName: 'x', meta: { created: '2024-05-05T00:00:00.000Z' } });
    expect(evaluateFilter(parse('id eq "inline-id"'), inline)).toBe(true);
    expect(evaluateFilter(parse('meta.created eq "2024-05-05T00:00:00Z"'), inline)).toBe(true);
    const beside = user({ id: 'ignored', userName: 'x' }, { id: 'real-id' });
    expect(evaluateFilter(parse('id eq "real-id"'), beside)).toBe(true);
    expect(evaluateFilter(parse('id eq "ignored"'), beside)).toBe(false);
  });

  it('compares stored dateTimes as instants whatever their offset, and matches nothing for an invalid one', () => {
    const offset = user({ userName: 'x' }, { meta: { created: '2024-01-15T11:00:00+01:00' } });
    expect(evaluateFilter(parse('meta.created eq "2024-01-15T10:00:00.000Z"'), offset)).toBe(true);
    expect(evaluateFilter(parse('meta.created lt "2024-01-15T10:00:00.001Z"'), offset)).toBe(true);
    const broken = user({ userName: 'x' }, { meta: { created: 'not a date' } });
    expect(evaluateFilter(parse('meta.created gt "1970-01-01T00:00:00Z"'), broken)).toBe(false);
    expect(evaluateFilter(parse('meta.created lt "2999-01-01T00:00:00Z"'), broken)).toBe(false);
    expect(evaluateFilter(parse('meta.created ne "2024-01-15T10:00:00Z"'), broken)).toBe(true);
  });

  it('matches no comparison when a stored value has the wrong JSON type, so ne matches', () => {
    const target = user({ userName: 42, active: 'true', emails: [{ value: 7 }] });
    expect(evaluateFilter(parse('userName eq "42"'), target)).toBe(false);
    expect(evaluateFilter(parse('userName ne "42"'), target)).toBe(true);
    expect(evaluateFilter(parse('active eq true'), target)).toBe(false);
    expect(evaluateFilter(parse('emails.value eq "7"'), target)).toBe(false);
    expect(evaluateFilter(parse('userName pr'), target)).toBe(true);
  });

  it('treats null, "", [] and objects without present members as not present', () => {
    expect(evaluateFilter(parse('title pr'), user({ title: null }))).toBe(false);
    expect(evaluateFilter(parse('title pr'), user({ title: '' }))).toBe(false);
    expect(evaluateFilter(parse('title pr'), user({ title: ' ' }))).toBe(true);
    expect(evaluateFilter(parse('emails pr'), user({ emails: [] }))).toBe(false);
    expect(evaluateFilter(parse('emails pr'), user({ emails: [{}] }))).toBe(false);
    expect(evaluateFilter(parse('emails pr'), user({ emails: [{ value: null, type: '' }] }))).toBe(false);
    expect(evaluateFilter(parse('emails pr'), user({ emails: [{ type: 'work' }] }))).toBe(true);
    expect(evaluateFilter(parse('name pr'), user({ name: {} }))).toBe(false);
    expect(evaluateFilter(parse('name pr'), user({ name: { givenName: 'G' } }))).toBe(true);
    expect(evaluateFilter(parse('emails.value pr'), user({ emails: [{ type: 'work' }] }))).toBe(false);
    expect(evaluateFilter(parse('active pr'), user({ active: false }))).toBe(true);
  });

  it('treats a single stored object for a multi-valued attribute as one element', () => {
    const target = user({ emails: { value: 'solo@example.com', type: 'work' } });
    expect(evaluateFilter(parse('emails.value eq "solo@example.com"'), target)).toBe(true);
    expect(evaluateFilter(parse('emails[type eq "work"]'), target)).toBe(true);
  });

  it('applies caseExact: exact for id and externalId, folded for userName', () => {
    const target = user({ userName: 'MiXeD', externalId: 'MiXeD' }, { id: 'MiXeD' });
    expect(evaluateFilter(parse('userName eq "mixed"'), target)).toBe(true);
    expect(evaluateFilter(parse('externalId eq "mixed"'), target)).toBe(false);
    expect(evaluateFilter(parse('externalId eq "MiXeD"'), target)).toBe(true);
    expect(evaluateFilter(parse('id eq "mixed"'), target)).toBe(false);
    expect(evaluateFilter(parse('id gt "MiXeC"'), target)).toBe(true);
    expect(evaluateFilter(parse('externalId co "xEd"'), target)).toBe(false);
  });

  it('folds both sides with Unicode normalisation, so composed and decomposed forms match', () => {
    const decomposed = user({ userName: 'Zoe\u0308' });
    expect(evaluateFilter(parse('userName eq "ZOË"'), decomposed)).toBe(true);
    expect(evaluateFilter(parse('userName ew "ë"'), decomposed)).toBe(true);
  });

  it('orders strings by code point, not by UTF-16 unit', () => {
    // U+1F600 is above U+FFFD as a code point, but its first UTF-16 unit (0xD83D) is below 0xFFFD.
    const emoji = user({ displayName: '\u{1F600}' });
    expect(evaluateFilter(parse('displayName gt "\uFFFD"'), emoji)).toBe(true);
    expect(evaluateFilter(parse('displayName lt "\uFFFD"'), emoji)).toBe(false);
  });

  it('compares binary values exactly', () => {
    const target = user({ x509Certificates: [{ value: 'QUJDRA==' }] });
    expect(evaluateFilter(parse('x509Certificates.value eq "QUJDRA=="'), target)).toBe(true);
    expect(evaluateFilter(parse('x509Certificates.value eq "qujdra=="'), target)).toBe(false);
    expect(evaluateFilter(parse('x509Certificates.value ne "qujdra=="'), target)).toBe(true);
  });
});

describe('matchesValueFilter', () => {
  const valueFilterOf = (filter: string) => {
    const ast = parse(filter);
    if (ast.kind !== 'valuePath') throw new Error(`expected a value path, got ${ast.kind}`);
    return ast.filter;
  };

  it('tests one element against the inner filter of emails[...]', () => {
    const work = valueFilterOf('emails[type eq "work"]');
    expect(matchesValueFilter(work, { value: 'a@example.com', type: 'work' })).toBe(true);
    expect(matchesValueFilter(work, { value: 'a@example.com', type: 'WORK' })).toBe(true);
    expect(matchesValueFilter(work, { value: 'a@example.com', type: 'home' })).toBe(false);
    expect(matchesValueFilter(work, { value: 'a@example.com' })).toBe(false);
  });

  it('requires the whole inner filter to hold for that element', () => {
    const filter = valueFilterOf('emails[type eq "work" and primary eq true]');
    expect(matchesValueFilter(filter, { type: 'work', primary: true })).toBe(true);
    expect(matchesValueFilter(filter, { type: 'work', primary: false })).toBe(false);
    expect(matchesValueFilter(filter, { type: 'work' })).toBe(false);
  });

  it('follows the same null and ne rules as whole-resource evaluation', () => {
    expect(matchesValueFilter(valueFilterOf('emails[type ne "work"]'), { value: 'x' })).toBe(true);
    expect(matchesValueFilter(valueFilterOf('emails[type eq null]'), { value: 'x' })).toBe(true);
    expect(matchesValueFilter(valueFilterOf('emails[type eq null]'), { value: 'x', type: 'home' })).toBe(false);
    expect(matchesValueFilter(valueFilterOf('emails[not (primary pr)]'), { value: 'x', primary: false })).toBe(false);
  });

  it('looks up sub-attributes case-insensitively and matches nothing on a non-object element', () => {
    const filter = valueFilterOf('emails[value eq "x@example.com"]');
    expect(matchesValueFilter(filter, { Value: 'X@EXAMPLE.COM' })).toBe(true);
    expect(matchesValueFilter(filter, 'x@example.com')).toBe(false);
    expect(matchesValueFilter(filter, null)).toBe(false);
  });

  it('works for the members of a Group (PATCH members[value eq "id"])', () => {
    const groupType = registry.resourceType('Group')!;
    const ast = parseFilter('members[value eq "u-1"]', { registry, resourceType: groupType });
    if (ast.kind !== 'valuePath') throw new Error('expected a value path');
    expect(matchesValueFilter(ast.filter, { value: 'u-1', display: 'One' })).toBe(true);
    expect(matchesValueFilter(ast.filter, { value: 'u-2', display: 'One' })).toBe(false);
  });
});
