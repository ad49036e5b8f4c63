import { redactFilter, secretAttributeNames } from '../../../../src/scim/filter/redact-filter';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';

const secrets = secretAttributeNames(loadBuiltinRegistry());

describe('redactFilter', () => {
  it('knows password as the secret attribute of the built-in schemas', () => {
    expect([...secrets]).toEqual(['password']);
  });

  it.each([
    ['password eq "hunter2"', 'password eq [redacted]'],
    ['userName eq "bjensen" and PASSWORD eq "s3cr\\"et"', 'userName eq "bjensen" and PASSWORD eq [redacted]'],
    ['urn:ietf:params:scim:schemas:core:2.0:User:password sw hunter', 'urn:ietf:params:scim:schemas:core:2.0:User:password sw [redacted]'],
    ['(password co "a") or (password ew "b")', '(password co [redacted]) or (password ew [redacted])'],
    ['password pr', 'password pr'],
  ])('hides the value in %s', (filter, logged) => {
    expect(redactFilter(filter, secrets)).toBe(logged);
    expect(redactFilter(filter, secrets)).not.toMatch(/hunter|s3cr|"a"|"b"/);
  });

  it('keeps the values of other attributes, which is what an operator needs to see', () => {
    const filter = 'emails[type eq "work" and value co "@example.com"] or userName eq "Bjensen"';
    expect(redactFilter(filter, secrets)).toBe(filter);
  });

  it('redacts a filter it cannot read when it names a secret attribute, and keeps other unreadable ones', () => {
    expect(redactFilter('password eq "unterminated', secrets)).toMatch(/^\[redacted\] /);
    expect(redactFilter('password eq "unterminated', secrets)).not.toContain('unterminated');
    expect(redactFilter('userName eq', secrets)).toBe('userName eq');
  });
});
