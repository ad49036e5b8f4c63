import { isInvalid, type ValidBulkOperation } from '../../../../src/resources/bulk/bulk-operation';
import { parseBulkRequest } from '../../../../src/resources/bulk/parse-bulk-request';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { scimErrorOf as thrown } from '../../../helpers/scim-error-of';

const registry = loadBuiltinRegistry();
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const parse = (body: unknown, maxOperations = 10) => parseBulkRequest(registry, body, { maxOperations });
const bulkOf = (Operations: unknown[], extra: Record<string, unknown> = {}) => ({ schemas: [BULK_REQUEST], ...extra, Operations });

describe('parseBulkRequest: the request as a whole', () => {
  it('refuses what is not a BulkRequest', () => {
    expect(thrown(() => parse([]))).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
    expect(thrown(() => parse({ Operations: [] }))).toMatchObject({ status: 400, scimType: 'invalidSyntax', detail: expect.stringContaining(BULK_REQUEST) });
    expect(thrown(() => parse({ schemas: [BULK_REQUEST], Operations: {} }))).toMatchObject({ status: 400, detail: expect.stringContaining('Operations') });
  });

  it('refuses more operations than maxOperations with 413', () => {
    const operations = Array.from({ length: 4 }, () => ({ method: 'DELETE', path: '/Users/x' }));
    expect(thrown(() => parse(bulkOf(operations), 3))).toMatchObject({ status: 413, detail: expect.stringMatching(/4 operations.*at most 3/) });
    expect(parse(bulkOf(operations), 4).operations).toHaveLength(4);
  });

  it('reads failOnErrors: a whole number of at least 1', () => {
    expect(parse(bulkOf([], { failOnErrors: 2 })).failOnErrors).toBe(2);
    expect(parse(bulkOf([])).failOnErrors).toBeUndefined();
    for (const bad of [0, -1, 1.5, '2', true]) {
      expect(thrown(() => parse(bulkOf([], { failOnErrors: bad })))).toMatchObject({ status: 400, scimType: 'invalidValue' });
    }
  });
});

describe('parseBulkRequest: operations', () => {
  const only = (operation: unknown) => parse(bulkOf([operation])).operations[0];

  it('reads a POST with its endpoint, bulkId and references', () => {
    const operation = only({ method: 'post', path: '/Groups', bulkId: 'g', data: { displayName: 'G', members: [{ value: 'bulkId:u' }] } }) as ValidBulkOperation;
    expect(isInvalid(operation)).toBe(false);
    expect(operation).toMatchObject({ index: 0, method: 'POST', methodText: 'POST', bulkId: 'g', references: ['u'] });
    expect(operation.type.name).toBe('Group');
    expect(operation.target).toBeUndefined();
  });

  it('reads the target of PUT, PATCH and DELETE, percent-decoded, with a bulkId target as a reference', () => {
    expect(only({ method: 'DELETE', path: 'Users/a%2Fb' })).toMatchObject({ method: 'DELETE', target: 'a/b', references: [] });
    expect(only({ method: 'PATCH', path: '/Users/bulkId:u', data: { Operations: [{ op: 'remove', path: 'members[value eq "bulkId:v"]' }] } })).toMatchObject({
      target: 'bulkId:u',
      references: ['u', 'v'],
    });
  });

  it('takes version as the If-Match of PUT, PATCH and DELETE (a bare number as its weak tag)', () => {
    expect(only({ method: 'PUT', path: '/Users/1', version: 'W/"3"', data: {} })).toMatchObject({ ifMatch: 'W/"3"' });
    expect(only({ method: 'DELETE', path: '/Users/1', version: '4' })).toMatchObject({ ifMatch: 'W/"4"' });
    const post = only({ method: 'POST', path: '/Users', bulkId: 'u', version: 'W/"3"', data: {} });
    expect(isInvalid(post)).toBe(false);
    expect(post).not.toHaveProperty('ifMatch');
  });

  it('turns each malformed operation into an invalid one with an actionable error', () => {
    const cases: [unknown, number, string | undefined, RegExp][] = [
      [42, 400, 'invalidSyntax', /must be a JSON object/],
      [{ path: '/Users' }, 400, 'invalidValue', /"method" must be one of POST, PUT, PATCH, DELETE/],
      [{ method: 'POST', path: '/Users', bulkId: 7, data: {} }, 400, 'invalidValue', /bulkId/],
      [{ method: 'POST', path: '/Users', data: {} }, 400, 'invalidValue', /"bulkId" is required for POST \(RFC 7644 §3\.7\)/],
      [{ method: 'PUT', path: '/Users/1', version: 3, data: {} }, 400, 'invalidValue', /version/],
      [{ method: 'POST', data: {} }, 400, 'invalidValue', /"path" is required/],
      [{ method: 'POST', path: '/Nope', data: {} }, 404, undefined, /no resource type at "\/Nope".*\/Users/],
      [{ method: 'DELETE', path: '/Users/a/b' }, 400, 'invalidValue', /names one resource/],
      [{ method: 'DELETE', path: '/Users/%E0%A4%A' }, 400, 'invalidValue', /percent-encoded/],
      [{ method: 'PUT', path: '/Users/1', data: [] }, 400, 'invalidSyntax', /needs "data"/],
    ];
    for (const [raw, status, scimType, detail] of cases) {
      const operation = only(raw);
      expect(isInvalid(operation)).toBe(true);
      if (!isInvalid(operation)) continue;
      expect(operation.error).toMatchObject({ status, scimType, detail: expect.stringMatching(detail) });
    }
  });
});
