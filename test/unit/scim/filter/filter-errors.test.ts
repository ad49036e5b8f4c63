// Every rejected filter is a 400 invalidFilter (RFC 7644 §3.4.2.2, §3.12) whose detail names the problem and
// where it is.
import { isScimError, type ScimError } from '../../../../src/scim/errors';
import { parseFilter, type FilterLimits } from '../../../../src/scim/filter/parse-filter';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { URN } from '../../../../src/scim/urns';

const registry = loadBuiltinRegistry();
const userType = registry.resourceType('User')!;
const ENTERPRISE = URN.extension.enterpriseUser;

function rejection(filter: string, limits?: FilterLimits): ScimError {
  try {
    parseFilter(filter, { registry, resourceType: userType, limits });
  } catch (error) {
    if (isScimError(error)) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(filter)} to be rejected`);
}

function expectInvalidFilter(filter: string, detail: string | RegExp, limits?: FilterLimits): void {
  const error = rejection(filter, limits);
  expect(error.status).toBe(400);
  expect(error.scimType).toBe('invalidFilter');
  if (typeof detail === 'string') expect(error.detail).toBe(detail);
  else expect(error.detail).toMatch(detail);
  expect(error.toBody()).toEqual({ schemas: [URN.message.error], status: '400', scimType: 'invalidFilter', detail: error.detail });
}

describe('unparseable filters', () => {
  it.each([
    ['', 'Filter is empty'],
    ['   ', 'Filter is empty'],
    ['userName', 'Expected an operator at position 8, found the end of the filter'],
    ['userName eq', 'Expected a value at position 11, found the end of the filter'],
    ['userName eq ', 'Expected a value at position 12, found the end of the filter'],
    ['userName "x"', "Expected an operator at position 9, found '\"'"],
    ['userName xx "x"', "Expected an operator at position 9, found 'xx'"],
    ['userName equals "x"', "Expected an operator at position 9, found 'equals'"],
    ['userName eq "x" and', 'Expected an attribute path at position 19, found the end of the filter'],
    ['and userName pr', "Expected an operator at position 4, found 'userName'"],
    ['userName eq "x" userName pr', "Expected 'and', 'or' or the end of the filter at position 16, found 'userName'"],
    ['userName eq "x" && title pr', "Expected 'and', 'or' or the end of the filter at position 16, found '&&'"],
    ['userName eq "x" "y"', "Expected 'and', 'or' or the end of the filter at position 16, found '\"'"],
    ['userName eq (x)', "Expected a value at position 12, found '('"],
    ['(userName eq "x"', "Missing ')' for the '(' at position 0"],
    ['((userName eq "x")', "Missing ')' for the '(' at position 0"],
    ['userName eq "x")', "Unexpected ')' at position 15"],
    ['()', "Expected an attribute path at position 1, found ')'"],
    ['userName eq "x" and ()', "Expected an attribute path at position 21, found ')'"],
    ['userName eq "unterminated', 'Unterminated string starting at position 12'],
    ['userName eq "bad \\q escape"', "Invalid escape '\\q' in string at position 17"],
    ['userName eq "bad \\u12G4"', 'Invalid \\u escape in string at position 17'],
    ['emails[type eq "work"', "Missing ']' for the '[' at position 6"],
    ['emails[type eq "work"]]', "Unexpected ']' at position 22"],
    ['emails[type eq "work")', "Unexpected ')' at position 21"],
    ['(emails[type eq "work")]', "Unexpected ')' at position 22"],
    ['emails[type[value eq "x"]]', "Value filters cannot be nested: unexpected '[' at position 11"],
    ['emails[]', "Expected an attribute path at position 7, found ']'"],
    ['emails[type eq "work"].', "Expected a sub-attribute name after '].' at position 23"],
    ['emails[type eq "work"].value', 'Expected an operator at position 28, found the end of the filter'],
    ['emails[type eq "work"].value[type eq "x"]', "Value filters cannot be nested: unexpected '[' at position 28"],
    ['not not userName pr', "Expected '(' or an attribute path after 'not' at position 4"],
    ['not', 'Expected an attribute path at position 3, found the end of the filter'],
    ['userName eq "x" and not', 'Expected an attribute path at position 23, found the end of the filter'],
    ['user@name eq "x"', "Expected an attribute path at position 0, found 'user@name'"],
    ['1userName eq "x"', "Expected an attribute path at position 0, found '1userName'"],
    ['"userName" eq "x"', "Expected an attribute path at position 0, found '\"'"],
    // The `+` form is tried only as a fallback; when both fail, the error of the text as written is reported.
    ['userName+eq+"x"+junk', "Expected an attribute path at position 0, found 'userName+eq+'"],
  ])('%p -> %s', (filter, detail) => {
    expectInvalidFilter(filter, detail);
  });
});

describe('unknown and unfilterable attributes', () => {
  it.each([
    ['foo eq "x"', "Unknown attribute 'foo' in filter at position 0"],
    ['userName eq "x" or bar pr', "Unknown attribute 'bar' in filter at position 19"],
    ['(title pr and (nickName pr or Unknown eq 1))', "Unknown attribute 'Unknown' in filter at position 30"],
    ['name.foo eq "x"', "Unknown attribute 'name.foo' in filter at position 0"],
    ['userName.value eq "x"', "Unknown attribute 'userName.value' in filter at position 0"],
    ['name.givenName.x eq "x"', "Unknown attribute 'name.givenName.x' in filter at position 0"],
    ['urn:example:unknown:Thing:attr eq "x"', "Unknown attribute 'urn:example:unknown:Thing:attr' in filter at position 0"],
    [`${ENTERPRISE}:nothing pr`, `Unknown attribute '${ENTERPRISE}:nothing' in filter at position 0`],
    ['emails[foo eq "x"]', "Unknown attribute 'foo' in filter at position 7 (no sub-attribute of 'emails' has that name)"],
    ['emails[emails.type eq "x"]', "Unknown attribute 'emails.type' in filter at position 7 (no sub-attribute of 'emails' has that name)"],
    ['emails[type eq "work"].foo eq "x"', "Unknown attribute 'foo' in filter at position 23 (no sub-attribute of 'emails' has that name)"],
    ['members eq "x"', "Unknown attribute 'members' in filter at position 0"],
    ['password eq "secret"', "Attribute 'password' at position 0 cannot be used in a filter: it is never returned"],
    ['password pr', "Attribute 'password' at position 0 cannot be used in a filter: it is never returned"],
    ['PassWord eq null', "Attribute 'password' at position 0 cannot be used in a filter: it is never returned"],
    ['userName pr and not (password pr)', "Attribute 'password' at position 21 cannot be used in a filter: it is never returned"],
  ])('%p -> %s', (filter, detail) => {
    expectInvalidFilter(filter, detail);
  });
});

describe('operators and values that do not fit the attribute', () => {
  it.each([
    ['active gt true', "Operator 'gt' at position 7 is not allowed for boolean attribute 'active'"],
    ['active GE false', "Operator 'GE' at position 7 is not allowed for boolean attribute 'active'"],
    ['active lt true', "Operator 'lt' at position 7 is not allowed for boolean attribute 'active'"],
    ['active le true', "Operator 'le' at position 7 is not allowed for boolean attribute 'active'"],
    ['active co "t"', "Operator 'co' at position 7 is not allowed for boolean attribute 'active'"],
    ['active sw "t"', "Operator 'sw' at position 7 is not allowed for boolean attribute 'active'"],
    ['active ew "e"', "Operator 'ew' at position 7 is not allowed for boolean attribute 'active'"],
    ['emails[primary gt false]', "Operator 'gt' at position 15 is not allowed for boolean attribute 'emails.primary'"],
    ['x509Certificates.value gt "QQ=="', "Operator 'gt' at position 23 is not allowed for binary attribute 'x509Certificates.value'"],
    ['x509Certificates.value co "QQ"', "Operator 'co' at position 23 is not allowed for binary attribute 'x509Certificates.value'"],
    ['meta.created co "2024"', "Operator 'co' at position 13 is not allowed for dateTime attribute 'meta.created'"],
    ['meta.lastModified sw "2024"', "Operator 'sw' at position 18 is not allowed for dateTime attribute 'meta.lastModified'"],
    ['name eq "Barbara"', "Complex attribute 'name' at position 0 cannot be compared with a value; name one of its sub-attributes or use 'pr'"],
    ['name co "Barbara"', "Complex attribute 'name' at position 0 cannot be compared with a value; name one of its sub-attributes or use 'pr'"],
    ['meta eq "x"', "Complex attribute 'meta' at position 0 cannot be compared with a value; name one of its sub-attributes or use 'pr'"],
    [
      `${ENTERPRISE}:manager eq "u-1"`,
      `Complex attribute '${ENTERPRISE}:manager' at position 0 cannot be compared with a value; name one of its sub-attributes or use 'pr'`,
    ],
    ['name[givenName eq "x"]', "Attribute 'name' at position 0 is not a multi-valued complex attribute, so it cannot take a value filter '[...]'"],
    ['userName[value eq "x"]', "Attribute 'userName' at position 0 is not a multi-valued complex attribute, so it cannot take a value filter '[...]'"],
    ['emails.value[type eq "x"]', "Attribute 'emails.value' at position 0 is not a multi-valued complex attribute, so it cannot take a value filter '[...]'"],
    ['userName gt null', "Operator 'gt' at position 9 cannot compare with null; only eq and ne can"],
    ['userName co NULL', "Operator 'co' at position 9 cannot compare with null; only eq and ne can"],
    ['active eq "yes"', "Value 'yes' at position 10 is not a valid boolean for attribute 'active'"],
    ['active eq 1', "Value '1' at position 10 is not a valid boolean for attribute 'active'"],
    ['active eq bjensen', "Value 'bjensen' at position 10 is not a valid boolean for attribute 'active'"],
    ['emails[primary eq "maybe"]', "Value 'maybe' at position 18 is not a valid boolean for attribute 'emails.primary'"],
    ['meta.created gt "junk"', "Value 'junk' at position 16 is not a valid dateTime for attribute 'meta.created'"],
    ['meta.created gt "2024-02-30T00:00:00Z"', "Value '2024-02-30T00:00:00Z' at position 16 is not a valid dateTime for attribute 'meta.created'"],
    ['meta.created gt 12345', "Value '12345' at position 16 is not a valid dateTime for attribute 'meta.created'"],
    ['meta.created gt 2015-10-10T25:00:00Z', "Value '2015-10-10T25:00:00Z' at position 16 is not a valid dateTime for attribute 'meta.created'"],
    ['meta.created gt "10/10/2015"', "Value '10/10/2015' at position 16 is not a valid dateTime for attribute 'meta.created'"],
  ])('%p -> %s', (filter, detail) => {
    expectInvalidFilter(filter, detail);
  });
});

describe('limits', () => {
  it('rejects a filter longer than the default 4096 characters', () => {
    const filter = `userName eq "${'x'.repeat(5000)}"`;
    expectInvalidFilter(filter, `Filter is ${filter.length} characters long; the limit is 4096 (text beyond position 4096)`);
  });

  it('rejects a filter nested deeper than the default 32 levels, at the parenthesis that goes too deep', () => {
    const filter = `${'('.repeat(33)}title pr${')'.repeat(33)}`;
    expectInvalidFilter(filter, 'Filter is nested deeper than 32 levels at position 32');
  });

  it('applies limits given by the caller', () => {
    const limits = { maxLength: 30, maxDepth: 2 };
    expectInvalidFilter('userName eq "abcdefghijklmnopqrstuvwxyz"', /^Filter is 40 characters long; the limit is 30 /, limits);
    expectInvalidFilter('(((title pr)))', 'Filter is nested deeper than 2 levels at position 2', limits);
    expectInvalidFilter('(emails[type eq "x"])', 'Filter is nested deeper than 1 level at position 7', { maxLength: 100, maxDepth: 1 });
  });

  it('rejects deep nesting long before the parser could run out of stack', () => {
    const filter = `${'('.repeat(2000)}title pr${')'.repeat(2000)}`;
    expectInvalidFilter(filter, 'Filter is nested deeper than 32 levels at position 32', { maxLength: 10_000, maxDepth: 32 });
  });
});

describe('error details', () => {
  it('shorten long offending text instead of echoing it whole', () => {
    const long = 'x'.repeat(300);
    expectInvalidFilter(`userName eq "a" ${long}`, `Expected 'and', 'or' or the end of the filter at position 16, found '${'x'.repeat(40)}…'`);
    expectInvalidFilter(`${long}@ eq "a"`, `Expected an attribute path at position 0, found '${'x'.repeat(40)}…'`);
  });
});
