// Query parameters of a list (RFC 7644 §3.4.2) and RFC 9865's cursor, normalised into a ListRequest.
import { parseListRequest, type ListLimits, type ListParameters } from '../../../../src/scim/list/list-request';
import { listResponse } from '../../../../src/scim/list/list-response';
import { pathToString } from '../../../../src/scim/paths/resolved-path';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { scimErrorOf as errorOf } from '../../../helpers/scim-error-of';

const registry = loadBuiltinRegistry();
const userType = registry.resourceType('User')!;
const limits: ListLimits = { maxResults: 50, defaultCount: 20, filterMaxLength: 100, filterMaxDepth: 3 };
const parse = (params: ListParameters) => parseListRequest(registry, userType, params, limits);

describe('parseListRequest: paging', () => {
  it.each<[ListParameters, number, number]>([
    [{}, 1, 20],
    [{ startIndex: '5', count: '10' }, 5, 10],
    [{ startIndex: '0' }, 1, 20],
    [{ startIndex: '-7' }, 1, 20],
    [{ count: '-1' }, 1, 0],
    [{ count: '0' }, 1, 0],
    [{ count: '51' }, 1, 50],
    [{ count: 1000000 }, 1, 50],
    [{ startIndex: ' 3 ', count: '+4' }, 3, 4],
    [{ startIndex: '', count: '' }, 1, 20],
  ])('%j -> startIndex %i, count %i (RFC 7644 §3.4.2.4)', (params, startIndex, count) => {
    const request = parse(params);
    expect(request.startIndex).toBe(startIndex);
    expect(request.count).toBe(count);
    expect(request.cursor).toBeUndefined();
  });

  it.each([['startIndex', 'abc'], ['count', '1.5'], ['count', '10x'], ['startIndex', '1e3']])('refuses %s=%s with invalidValue', (name, value) => {
    const error = errorOf(() => parse({ [name]: value }));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain(name);
  });

  it('refuses a parameter given twice', () => {
    expect(errorOf(() => parse({ count: ['1', '2'] })).detail).toMatch(/'count' was given more than once/);
  });

  it('turns on cursor paging with a cursor parameter, empty for the first page (RFC 9865)', () => {
    expect(parse({ cursor: '' }).cursor).toBe('');
    expect(parse({ cursor: 'abc', count: '5' })).toMatchObject({ cursor: 'abc', count: 5 });
    expect(parse({ cursor: ' abc ' }).cursor).toBe('abc');
    expect(parse({ cursor: null }).cursor).toBeUndefined();
  });

  it('refuses startIndex together with cursor', () => {
    const error = errorOf(() => parse({ cursor: '', startIndex: '1' }));
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toMatch(/either startIndex .* or cursor/);
  });

  it('refuses a cursor that is not a string', () => {
    expect(errorOf(() => parse({ cursor: 5 })).detail).toMatch(/'cursor' must be a string/);
  });
});

describe('parseListRequest: sorting', () => {
  it.each<[string, string]>([
    ['userName', 'userName'],
    ['USERNAME', 'userName'],
    ['name.familyName', 'name.familyName'],
    ['emails', 'emails'],
    ['emails.value', 'emails.value'],
    ['meta.lastModified', 'meta.lastModified'],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber'],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value'],
  ])('sortBy=%s resolves to %s, ascending by default', (sortBy, canonical) => {
    const { sort } = parse({ sortBy });
    expect(pathToString(sort!.path)).toBe(canonical);
    expect(sort!.descending).toBe(false);
  });

  it('reads sortOrder case-insensitively and ignores it without sortBy', () => {
    expect(parse({ sortBy: 'userName', sortOrder: 'DESCENDING' }).sort!.descending).toBe(true);
    expect(parse({ sortBy: 'userName', sortOrder: 'ascending' }).sort!.descending).toBe(false);
    expect(parse({ sortOrder: 'descending' }).sort).toBeUndefined();
  });

  it.each<[ListParameters, RegExp]>([
    [{ sortBy: 'nickname2' }, /unknown attribute: 'nickname2'/],
    [{ sortBy: 'name' }, /not the complex attribute 'name'/],
    [{ sortBy: 'password' }, /Cannot sort by 'password'/],
    [{ sortBy: 'userName', sortOrder: 'up' }, /sortOrder must be "ascending" or "descending"/],
  ])('refuses %j', (params, detail) => {
    const error = errorOf(() => parse(params));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toMatch(detail);
  });
});

describe('parseListRequest: filters', () => {
  it('parses the filter; a blank filter is no filter', () => {
    expect(parse({ filter: 'userName eq "bjensen"' }).filter).toMatchObject({ kind: 'compare', op: 'eq', value: 'bjensen' });
    expect(parse({ filter: '   ' }).filter).toBeUndefined();
  });

  it.each<[string, RegExp]>([
    ['x'.repeat(60) + ' eq "' + 'y'.repeat(40) + '"', /limit is 100/],
    ['((((userName pr))))', /dep|nest/i],
    ['password eq "secret"', /'password' .* cannot be used in a filter/],
    ['userName eq', /Expected a value at position 11/],
    ['nickName2 eq "x"', /Unknown attribute 'nickName2'/],
    ['active gt true', /active/],
  ])('refuses %s with 400 invalidFilter', (filter, detail) => {
    const error = errorOf(() => parse({ filter }));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toMatch(detail);
  });
});

describe('listResponse', () => {
  it('writes an index page with startIndex and a cursor page with nextCursor only when given', () => {
    expect(listResponse({ resources: [{ id: 'a' }], totalResults: 7, startIndex: 3 })).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 7,
      itemsPerPage: 1,
      startIndex: 3,
      Resources: [{ id: 'a' }],
    });
    const cursorPage = listResponse({ resources: [], totalResults: 7, nextCursor: 'abc' });
    expect(cursorPage).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 7, itemsPerPage: 0, nextCursor: 'abc', Resources: [] });
    expect(listResponse({ resources: [], totalResults: 0 })).not.toHaveProperty('nextCursor');
  });
});
