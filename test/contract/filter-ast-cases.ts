// Filters built by hand (no parser) over the shared fixture users (test/fixtures/filter-cases.ts), with the ids each
// must select. The store contract runs every case against the store AND the in-memory evaluator, so a case whose
// expectation is wrong fails too. To add a case, append { name, filter, expectedIds }.
import type { FilterAst } from '../../src/scim/filter/filter-ast';
import { ENTERPRISE_USER, filterFixtureUsers } from '../fixtures/filter-cases';
import type { FilterBuilder } from './filter-builder';

export interface FilterAstCase {
  readonly name: string;
  readonly filter: (f: FilterBuilder) => FilterAst;
  readonly expectedIds: readonly string[];
}

const ALL = filterFixtureUsers.map((user) => user.id);
const allBut = (...excluded: string[]): string[] => ALL.filter((id) => !excluded.includes(id));
const E = ENTERPRISE_USER;

export const filterAstCases: readonly FilterAstCase[] = [
  // strings, caseExact=false: folded on both sides, Unicode included
  { name: 'userName eq, other case', filter: (f) => f.eq('userName', 'BJENSEN'), expectedIds: ['u-bjensen'] },
  { name: 'userName eq, decomposed ë matches composed', filter: (f) => f.eq('userName', 'Zoe\u0308'), expectedIds: ['u-zoe'] },
  { name: 'userName eq, non-ASCII upper case', filter: (f) => f.eq('userName', 'ÜMIT'), expectedIds: ['u-umit'] },
  { name: 'userName ne', filter: (f) => f.ne('userName', 'bjensen'), expectedIds: allBut('u-bjensen') },
  { name: 'userName co', filter: (f) => f.co('userName', 'E'), expectedIds: ['u-bjensen', 'u-noemail', 'u-empty', 'u-alice', 'u-dave'] },
  { name: 'userName sw', filter: (f) => f.sw('userName', 'b'), expectedIds: ['u-bjensen', 'u-bob'] },
  // co and ew on indexed paths go through the trigram index (SQLite migration 16), which only narrows: every trigram
  // of "jensensen" is in "bjensen@example.com" and in "babs@jensen.org", the string itself in neither
  { name: 'emails.value co, every trigram present but not the substring', filter: (f) => f.co('emails.value', 'jensensen'), expectedIds: [] },
  { name: 'emails.value ew, every trigram present but not the suffix', filter: (f) => f.ew('emails.value', 'jensensen'), expectedIds: [] },
  { name: 'emails.value co, folded (caseExact=false)', filter: (f) => f.co('emails.value', 'SMITH@OTH'), expectedIds: ['u-jsmith'] },
  { name: 'emails.value co, folded on the stored side', filter: (f) => f.co('emails.value', 'e.personal@ex'), expectedIds: ['u-alice'] },
  { name: 'emails.value ew, folded', filter: (f) => f.ew('emails.value', 'EXAMPLE.SE'), expectedIds: ['u-asa'] },
  { name: 'emails.value co, two characters (no trigram)', filter: (f) => f.co('emails.value', '.N'), expectedIds: ['u-dave'] },
  { name: 'emails.value co, one multi-valued value matches', filter: (f) => f.co('emails.value', 'jensen.o'), expectedIds: ['u-bjensen'] },
  { name: 'externalId co (caseExact=true): the case must match', filter: (f) => f.co('externalId', 'jsmith'), expectedIds: [] },
  { name: 'externalId co (caseExact=true), same case', filter: (f) => f.co('externalId', 'JSMITH'), expectedIds: ['u-jsmith'] },
  { name: 'externalId ew (caseExact=true)', filter: (f) => f.ew('externalId', 'jensen'), expectedIds: ['u-bjensen'] },
  { name: 'displayName co, non-ASCII folded', filter: (f) => f.co('displayName', 'MÜLL'), expectedIds: ['u-zoe'] },
  { name: 'userName co or emails.value co, merged', filter: (f) => f.or(f.co('userName', 'smit'), f.co('emails.value', 'carol+')), expectedIds: ['u-jsmith', 'u-carol'] },
  { name: 'not emails.value co', filter: (f) => f.not(f.co('emails.value', 'example.com')), expectedIds: ['u-noemail', 'u-minimal', 'u-empty'] },
  { name: 'userName ew', filter: (f) => f.ew('userName', 'SMITH'), expectedIds: ['u-jsmith'] },
  { name: 'userName ew longer than every value', filter: (f) => f.ew('userName', 'xxxxxxxxxxxxxxxxxxxxxxxxxbjensen'), expectedIds: [] },
  { name: 'userName gt (code point order)', filter: (f) => f.gt('userName', 'm'), expectedIds: ['u-zoe', 'u-asa', 'u-noemail', 'u-minimal', 'u-umit'] },
  { name: 'userName le, folded literal', filter: (f) => f.le('userName', 'CAROL'), expectedIds: ['u-bjensen', 'u-alice', 'u-bob', 'u-carol'] },
  { name: 'userName lt a non-ASCII letter', filter: (f) => f.lt('userName', 'Å'), expectedIds: allBut('u-asa', 'u-umit') },
  { name: 'userName ge with the same value included', filter: (f) => f.ge('userName', 'minimal'), expectedIds: ['u-zoe', 'u-asa', 'u-noemail', 'u-minimal', 'u-umit'] },
  { name: 'title eq folds every stored spelling', filter: (f) => f.eq('title', 'engineer'), expectedIds: ['u-zoe', 'u-asa', 'u-umit'] },
  { name: 'nickName eq', filter: (f) => f.eq('nickName', 'babs'), expectedIds: ['u-bjensen'] },
  { name: 'userName eq a number literal matches no string', filter: (f) => f.eq('userName', 42), expectedIds: [] },
  { name: 'userName ne a number literal matches all', filter: (f) => f.ne('userName', 42), expectedIds: ALL },

  // common attributes: id, externalId (caseExact) and meta (columns)
  { name: 'id eq', filter: (f) => f.eq('id', 'u-dave'), expectedIds: ['u-dave'] },
  { name: 'id eq is case-exact', filter: (f) => f.eq('id', 'U-DAVE'), expectedIds: [] },
  { name: 'id sw', filter: (f) => f.sw('id', 'u-b'), expectedIds: ['u-bjensen', 'u-bob'] },
  { name: 'id ne', filter: (f) => f.ne('id', 'u-dave'), expectedIds: allBut('u-dave') },
  { name: 'id pr', filter: (f) => f.pr('id'), expectedIds: ALL },
  { name: 'externalId eq', filter: (f) => f.eq('externalId', 'EXT-JSMITH'), expectedIds: ['u-jsmith'] },
  { name: 'externalId eq is case-exact', filter: (f) => f.eq('externalId', 'ext-jsmith'), expectedIds: [] },
  { name: 'externalId pr', filter: (f) => f.pr('externalId'), expectedIds: ['u-bjensen', 'u-jsmith', 'u-alice', 'u-bob'] },
  { name: 'not externalId pr', filter: (f) => f.not(f.pr('externalId')), expectedIds: allBut('u-bjensen', 'u-jsmith', 'u-alice', 'u-bob') },
  { name: 'externalId ne holds where it is missing', filter: (f) => f.ne('externalId', 'ext-bob'), expectedIds: allBut('u-bob') },
  { name: 'meta.created eq', filter: (f) => f.eq('meta.created', '2024-01-15T10:00:00.000Z'), expectedIds: ['u-bjensen', 'u-carol'] },
  {
    name: 'meta.created gt',
    filter: (f) => f.gt('meta.created', '2024-01-01T00:00:00.000Z'),
    expectedIds: ['u-bjensen', 'u-noemail', 'u-minimal', 'u-empty', 'u-carol', 'u-dave', 'u-umit'],
  },
  { name: 'meta.created le', filter: (f) => f.le('meta.created', '2022-12-31T23:59:59.999Z'), expectedIds: ['u-asa', 'u-jsmith', 'u-alice', 'u-bob'] },
  { name: 'meta.created eq with an offset literal', filter: (f) => f.eq('meta.created', '2024-01-15T11:00:00+01:00'), expectedIds: ['u-bjensen', 'u-carol'] },
  { name: 'meta.lastModified lt', filter: (f) => f.lt('meta.lastModified', '2024-01-01T00:00:00.000Z'), expectedIds: ['u-asa', 'u-bob'] },
  { name: 'meta.resourceType eq', filter: (f) => f.eq('meta.resourceType', 'User'), expectedIds: ALL },
  { name: 'meta.resourceType eq is case-exact', filter: (f) => f.eq('meta.resourceType', 'user'), expectedIds: [] },
  {
    name: 'meta.version eq (replaced once)',
    filter: (f) => f.eq('meta.version', 'W/"2"'),
    expectedIds: ['u-bjensen', 'u-zoe', 'u-asa', 'u-jsmith', 'u-alice', 'u-carol'],
  },
  { name: 'meta pr', filter: (f) => f.pr('meta'), expectedIds: ALL },
  { name: 'meta.location is never stored', filter: (f) => f.pr('meta.location'), expectedIds: [] },

  // complex singular, empty strings, escaped characters
  { name: 'name.familyName eq', filter: (f) => f.eq('name.familyName', 'MÜLLER'), expectedIds: ['u-zoe'] },
  {
    name: 'name pr',
    filter: (f) => f.pr('name'),
    expectedIds: ['u-bjensen', 'u-zoe', 'u-asa', 'u-jsmith', 'u-alice', 'u-carol', 'u-umit'],
  },
  { name: 'name.givenName ne holds where name is missing', filter: (f) => f.ne('name.givenName', 'Barbara'), expectedIds: allBut('u-bjensen') },
  { name: 'displayName eq ""', filter: (f) => f.eq('displayName', ''), expectedIds: ['u-empty'] },
  { name: 'displayName ne ""', filter: (f) => f.ne('displayName', ''), expectedIds: allBut('u-empty') },
  { name: 'displayName pr ("" is not present)', filter: (f) => f.pr('displayName'), expectedIds: allBut('u-minimal', 'u-empty', 'u-bob', 'u-dave') },
  { name: 'displayName co with quotes', filter: (f) => f.co('displayName', '"CJ"'), expectedIds: ['u-carol'] },
  { name: 'a comparison on a complex attribute itself matches nothing', filter: (f) => f.eq('name', 'x'), expectedIds: [] },

  // booleans
  {
    name: 'active eq true',
    filter: (f) => f.eq('active', true),
    expectedIds: ['u-bjensen', 'u-asa', 'u-jsmith', 'u-alice', 'u-carol', 'u-dave', 'u-umit'],
  },
  { name: 'active eq false', filter: (f) => f.eq('active', false), expectedIds: ['u-zoe', 'u-empty', 'u-bob'] },
  { name: 'active ne true holds where active is missing', filter: (f) => f.ne('active', true), expectedIds: ['u-zoe', 'u-noemail', 'u-minimal', 'u-empty', 'u-bob'] },
  { name: 'active pr (false is present)', filter: (f) => f.pr('active'), expectedIds: allBut('u-noemail', 'u-minimal') },
  { name: 'active gt: booleans are not ordered', filter: (f) => f.gt('active', false), expectedIds: [] },

  // multi-valued complex: any value; value filters: one element
  { name: 'emails.value eq, folded', filter: (f) => f.eq('emails.value', 'CAROL+FILTER@EXAMPLE.COM'), expectedIds: ['u-carol'] },
  { name: 'emails.value ew', filter: (f) => f.ew('emails.value', '.org'), expectedIds: ['u-bjensen', 'u-jsmith'] },
  { name: 'emails.value co ""', filter: (f) => f.co('emails.value', ''), expectedIds: allBut('u-noemail', 'u-minimal', 'u-empty') },
  { name: 'emails.value ne: no value equals', filter: (f) => f.ne('emails.value', 'bob@example.com'), expectedIds: allBut('u-bob') },
  { name: 'emails pr ([] is not present)', filter: (f) => f.pr('emails'), expectedIds: allBut('u-noemail', 'u-minimal', 'u-empty') },
  { name: 'emails.primary eq true', filter: (f) => f.eq('emails.primary', true), expectedIds: ['u-bjensen', 'u-zoe', 'u-jsmith', 'u-alice', 'u-carol', 'u-umit'] },
  {
    name: 'two conditions on emails may hold for different elements',
    filter: (f) => f.and(f.eq('emails.type', 'work'), f.co('emails.value', '@example.com')),
    expectedIds: ['u-bjensen', 'u-zoe', 'u-jsmith', 'u-alice', 'u-carol', 'u-dave', 'u-umit'],
  },
  {
    name: 'a value filter needs one element to satisfy all',
    filter: (f) => f.where('emails', (e) => e.and(e.eq('type', 'work'), e.co('value', '@example.com'))),
    expectedIds: ['u-bjensen', 'u-zoe', 'u-jsmith', 'u-alice', 'u-carol', 'u-umit'],
  },
  { name: 'value filter with a boolean', filter: (f) => f.where('emails', (e) => e.and(e.eq('type', 'home'), e.eq('primary', true))), expectedIds: ['u-alice'] },
  {
    name: 'value filter with not',
    filter: (f) => f.where('emails', (e) => e.not(e.eq('type', 'work'))),
    expectedIds: ['u-bjensen', 'u-asa', 'u-jsmith', 'u-alice', 'u-bob', 'u-dave'],
  },
  { name: 'not of a value filter', filter: (f) => f.not(f.where('emails', (e) => e.eq('type', 'work'))), expectedIds: ['u-noemail', 'u-minimal', 'u-empty', 'u-bob'] },
  { name: 'value filter with a missing sub-attribute', filter: (f) => f.where('emails', (e) => e.not(e.pr('type'))), expectedIds: ['u-bob'] },
  { name: 'value filter with a single eq', filter: (f) => f.where('emails', (e) => e.eq('value', 'DAVE@example.com')), expectedIds: ['u-dave'] },
  { name: 'value filter with a single pr', filter: (f) => f.where('emails', (e) => e.pr('primary')), expectedIds: ['u-bjensen', 'u-zoe', 'u-jsmith', 'u-alice', 'u-carol', 'u-umit'] },
  {
    name: 'value filter with a single ne is per element',
    filter: (f) => f.where('emails', (e) => e.ne('type', 'work')),
    expectedIds: ['u-bjensen', 'u-asa', 'u-jsmith', 'u-alice', 'u-bob', 'u-dave'],
  },
  { name: 'contradictory value filter', filter: (f) => f.where('emails', (e) => e.and(e.eq('type', 'work'), e.eq('type', 'home'))), expectedIds: [] },
  { name: 'value filter on phoneNumbers', filter: (f) => f.where('phoneNumbers', (e) => e.and(e.eq('type', 'work'), e.eq('primary', true))), expectedIds: ['u-jsmith'] },
  { name: 'binary sub-attribute nobody has', filter: (f) => f.eq('x509Certificates.value', 'MIIC'), expectedIds: [] },

  // enterprise extension, under its URN key
  { name: 'extension attribute eq', filter: (f) => f.eq(`${E}:department`, 'engineering'), expectedIds: ['u-zoe', 'u-asa'] },
  { name: 'extension sub-attribute eq', filter: (f) => f.eq(`${E}:manager.value`, 'u-jsmith'), expectedIds: ['u-bjensen', 'u-zoe', 'u-carol'] },
  { name: 'extension complex pr', filter: (f) => f.pr(`${E}:manager`), expectedIds: ['u-bjensen', 'u-zoe', 'u-asa', 'u-alice', 'u-carol', 'u-umit'] },
  { name: 'extension sub-attribute folded', filter: (f) => f.eq(`${E}:manager.displayName`, 'zoë müller'), expectedIds: ['u-asa', 'u-alice'] },
  { name: 'extension string gt', filter: (f) => f.gt(`${E}:employeeNumber`, '5'), expectedIds: ['u-bjensen', 'u-umit'] },
  { name: 'extension attribute without its URN', filter: (f) => f.eq('department', 'Sales'), expectedIds: ['u-bob'] },

  // logic
  { name: 'or of three', filter: (f) => f.or(f.eq('userName', 'a'), f.eq('userName', 'carol'), f.eq('id', 'u-dave')), expectedIds: ['u-carol', 'u-dave'] },
  { name: 'double not', filter: (f) => f.not(f.not(f.eq('userName', 'bjensen'))), expectedIds: ['u-bjensen'] },
  {
    name: 'and of or and not',
    filter: (f) => f.and(f.eq('active', true), f.or(f.co('title', 'engineer'), f.co('title', 'guide')), f.not(f.sw('name.givenName', 'c'))),
    expectedIds: ['u-bjensen', 'u-asa', 'u-alice', 'u-umit'],
  },
  { name: 'not of or', filter: (f) => f.not(f.or(f.eq('active', true), f.pr('emails'))), expectedIds: ['u-noemail', 'u-minimal', 'u-empty'] },
];
