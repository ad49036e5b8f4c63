// The SearchRequest body of POST .search (RFC 7644 §3.4.3, plus RFC 9865's cursor).
import { parseSearchRequest } from '../../../../src/scim/list/search-request';
import { scimErrorOf as errorOf } from '../../../helpers/scim-error-of';

const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

describe('parseSearchRequest', () => {
  it('takes the SearchRequest attributes, with member names in any case, and ignores others', () => {
    expect(
      parseSearchRequest({
        schemas: [SEARCH],
        attributes: ['userName', 'emails'],
        excludedAttributes: 'groups',
        Filter: 'userName sw "b"',
        sortBy: 'userName',
        SORTORDER: 'descending',
        startIndex: 3,
        count: '10',
        cursor: '',
        somethingElse: { x: 1 },
      }),
    ).toEqual({
      attributes: ['userName', 'emails'],
      excludedAttributes: 'groups',
      filter: 'userName sw "b"',
      sortBy: 'userName',
      sortOrder: 'descending',
      startIndex: 3,
      count: '10',
      cursor: '',
    });
  });

  it('reads null as absent and accepts the schema URN in any case', () => {
    expect(parseSearchRequest({ schemas: [SEARCH.toUpperCase()], filter: null, count: null })).toEqual({});
  });

  it.each<[unknown, RegExp]>([
    [null, /must be a SearchRequest JSON object/],
    [[], /must be a SearchRequest JSON object/],
    ['filter=x', /must be a SearchRequest JSON object/],
    [{ filter: 'userName pr' }, /"schemas": \["urn:ietf:params:scim:api:messages:2.0:SearchRequest"\]/],
    [{ schemas: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest' }, /"schemas"/],
    [{ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'] }, /"schemas"/],
    [{ schemas: [SEARCH], filter: 5 }, /"filter" must be a string/],
    [{ schemas: [SEARCH], count: 2.5 }, /"count" must be an integer/],
    [{ schemas: [SEARCH], startIndex: 'one' }, /"startIndex" must be an integer/],
    [{ schemas: [SEARCH], attributes: [1, 2] }, /"attributes" must be a list of attribute names/],
    [{ schemas: [SEARCH], cursor: 7 }, /"cursor" must be a string/],
  ])('refuses %j with 400 invalidSyntax', (body, detail) => {
    const error = errorOf(() => parseSearchRequest(body));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toMatch(detail);
  });
});
