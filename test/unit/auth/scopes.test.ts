import { DEFAULT_SCOPES, hasScope, isScope, parseScopes } from '../../../src/auth/scopes';
import { Scope } from '../../../src/auth/scopes';

describe('scopes', () => {
  it('grants exactly the scopes held: write does not imply read, read does not imply write', () => {
    expect(hasScope({ scopes: [Scope.write] }, Scope.write)).toBe(true);
    expect(hasScope({ scopes: [Scope.write] }, Scope.read)).toBe(false);
    expect(hasScope({ scopes: [Scope.read] }, Scope.write)).toBe(false);
    expect(hasScope({ scopes: [] }, Scope.read)).toBe(false);
  });

  it('gives new tokens both scopes by default', () => {
    expect(DEFAULT_SCOPES).toEqual(['scim:read', 'scim:write']);
  });

  it('parses comma or space separated lists into canonical order without duplicates', () => {
    expect(parseScopes('scim:write,scim:read')).toEqual(['scim:read', 'scim:write']);
    expect(parseScopes(' scim:read  scim:read ')).toEqual(['scim:read']);
    expect(parseScopes('scim:write')).toEqual(['scim:write']);
  });

  it('rejects empty lists and unknown scopes', () => {
    expect(() => parseScopes(' , ')).toThrow('A token needs at least one scope (scim:read, scim:write, scim:credentials, audit:read, scim:export)');
    expect(() => parseScopes('scim:read,SCIM:WRITE,admin')).toThrow('Unknown scope "SCIM:WRITE", "admin"; the scopes are scim:read, scim:write, scim:credentials, audit:read, scim:export');
    expect(isScope('scim:read')).toBe(true);
    expect(isScope('read')).toBe(false);
  });
});
