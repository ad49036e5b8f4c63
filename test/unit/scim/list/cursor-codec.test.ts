// RFC 9865 cursors: opaque, url-safe, tamper-evident, bound to tenant + scope + filter + sort, and expiring.
import { parseFilter } from '../../../../src/scim/filter/parse-filter';
import { createCursorCodec, MAX_CURSOR_LENGTH, type CursorBinding } from '../../../../src/scim/list/cursor-codec';
import { queryFingerprint } from '../../../../src/scim/list/query-fingerprint';
import { resolveAttributePath } from '../../../../src/scim/paths/attribute-path';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { scimErrorOf as errorOf } from '../../../helpers/scim-error-of';

const registry = loadBuiltinRegistry();
const userType = registry.resourceType('User')!;
const filter = (text: string) => parseFilter(text, { registry, resourceType: userType });
const sort = (text: string, descending = false) => ({ path: resolveAttributePath(registry, userType, text)!, descending });
const SECRET = 'a secret that is long enough for the key derivation';

function codecAt(clock: { now: Date }, secret: string = SECRET, timeoutSeconds = 600) {
  return createCursorCodec({ secret, timeoutSeconds, clock: () => clock.now });
}

describe('cursor codec', () => {
  const clock = { now: new Date('2026-01-01T00:00:00Z') };
  const codec = codecAt(clock);
  const binding: CursorBinding = { tenantId: 't-1', scope: 'User', filter: filter('userName sw "b"'), sort: sort('name.familyName') };
  const position = { after: { sortValue: 'jensen', id: '2819c223-7f76-453a-919d-413861904646' } };

  it('round-trips positions of every sort value type, and a root-search resource type', () => {
    for (const sortValue of ['jensen', 'Ünïcödé ✓', 42, 1.5, true, false, null, '']) {
      const cursor = codec.seal(binding, { after: { sortValue, id: 'u-1' } });
      expect(codec.open(binding, cursor)).toEqual({ after: { sortValue, id: 'u-1' } });
    }
    expect(codec.open(binding, codec.seal(binding, { resourceType: 'Group' }))).toEqual({ resourceType: 'Group' });
    // A value the issuer keeps for the whole walk (an export's salt) comes back sealed with the position.
    expect(codec.open(binding, codec.seal(binding, { after: { sortValue: null, id: 'u-1' }, carry: 'c2FsdA==' }))).toEqual({ after: { sortValue: null, id: 'u-1' }, carry: 'c2FsdA==' });
    // The walk's total as its first page counted it, reported again by later pages.
    expect(codec.open(binding, codec.seal(binding, { after: { sortValue: 'x', id: 'u-1' }, total: 1_000_000 }))).toEqual({ after: { sortValue: 'x', id: 'u-1' }, total: 1_000_000 });
  });

  it('issues url-safe cursors (RFC 3986 unreserved characters only) that reveal neither id nor sort value', () => {
    const cursor = codec.seal(binding, position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const decoded = Buffer.from(cursor, 'base64url').toString('latin1');
    expect(decoded).not.toContain('jensen');
    expect(decoded).not.toContain('2819c223');
    expect(cursor).not.toContain(Buffer.from('jensen').toString('base64url').slice(0, 6));
    // Two cursors for the same position differ (random IV), so a cursor says nothing by its looks either.
    expect(codec.seal(binding, position)).not.toBe(cursor);
  });

  it.each([0, 1, 2, 3])('rejects every single-character alteration with invalidCursor (id padded by %i)', (extra) => {
    // Payload lengths of every remainder modulo 3, so the last character's unused bits are covered too.
    const cursor = codec.seal(binding, { after: { sortValue: 'jensen', id: `u-1${'x'.repeat(extra)}` } });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let index = 0; index < cursor.length; index++) {
      const replacement = alphabet[(alphabet.indexOf(cursor[index]) + 1) % alphabet.length];
      const altered = cursor.slice(0, index) + replacement + cursor.slice(index + 1);
      const error = errorOf(() => codec.open(binding, altered));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidCursor');
    }
  });

  it.each<[string, Partial<CursorBinding>]>([
    ['another tenant', { tenantId: 't-2' }],
    ['another resource type', { scope: 'Group' }],
    ['another filter', { filter: filter('userName sw "c"') }],
    ['no filter', { filter: undefined }],
    ['another sort attribute', { sort: sort('userName') }],
    ['another sort order', { sort: sort('name.familyName', true) }],
    ['no sort', { sort: undefined }],
  ])('refuses a cursor replayed with %s', (_name, change) => {
    const cursor = codec.seal(binding, position);
    const error = errorOf(() => codec.open({ ...binding, ...change }, cursor));
    expect(error.scimType).toBe('invalidCursor');
    expect(error.detail).toMatch(/issued for another filter, sort, resource type or tenant/);
    expect(error.detail).toMatch(/empty cursor for the first page/);
  });

  it('accepts the same query written differently (attribute case, operator case)', () => {
    const cursor = codec.seal(binding, position);
    const respelled: CursorBinding = { ...binding, scope: 'user', filter: filter('USERNAME SW "b"'), sort: sort('NAME.FAMILYNAME') };
    expect(codec.open(respelled, cursor)).toEqual(position);
  });

  it('refuses cursors sealed with another secret, garbage, and oversized values', () => {
    const other = codecAt(clock, 'another secret that is long enough for the key');
    expect(errorOf(() => other.open(binding, codec.seal(binding, position))).scimType).toBe('invalidCursor');
    for (const garbage of ['x', 'not a cursor', '%00', 'AAAA', 'a.b', Buffer.alloc(64).toString('base64url'), 'A'.repeat(MAX_CURSOR_LENGTH + 1)]) {
      const error = errorOf(() => codec.open(binding, garbage));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidCursor');
    }
  });

  it('expires a cursor after timeoutSeconds with expiredCursor, and refuses one from the future', () => {
    const moving = { now: new Date('2026-01-01T00:00:00Z') };
    const timed = codecAt(moving, SECRET, 600);
    const cursor = timed.seal(binding, position);
    moving.now = new Date('2026-01-01T00:10:00Z');
    expect(timed.open(binding, cursor)).toEqual(position);
    moving.now = new Date('2026-01-01T00:10:01Z');
    const expired = errorOf(() => timed.open(binding, cursor));
    expect(expired.status).toBe(400);
    expect(expired.scimType).toBe('expiredCursor');
    expect(expired.detail).toMatch(/valid for 600 seconds/);
    moving.now = new Date('2025-12-31T23:50:00Z');
    expect(errorOf(() => timed.open(binding, cursor)).scimType).toBe('invalidCursor');
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => createCursorCodec({ secret: 'short', timeoutSeconds: 60 })).toThrow(/at least 32 bytes/);
  });
});

describe('queryFingerprint', () => {
  it('is the same for spellings of one query and differs for different queries', () => {
    expect(queryFingerprint({ filter: filter('userName eq "A"') })).toBe(queryFingerprint({ filter: filter('USERNAME EQ "A"') }));
    expect(queryFingerprint({ filter: filter('userName eq "A"') })).not.toBe(queryFingerprint({ filter: filter('userName eq "B"') }));
    expect(queryFingerprint({ filter: filter('userName eq "A"') })).not.toBe(queryFingerprint({ filter: filter('userName ne "A"') }));
    expect(queryFingerprint({ filter: filter('a eq 1'.replace('a', 'title').replace('1', '"1"')) })).not.toBe(
      queryFingerprint({ filter: filter('title eq "1" or title pr') }),
    );
    expect(queryFingerprint({ filter: filter('emails[type eq "work"]') })).not.toBe(queryFingerprint({ filter: filter('emails.type eq "work"') }));
    expect(queryFingerprint({ sort: sort('userName') })).not.toBe(queryFingerprint({ sort: sort('userName', true) }));
    expect(queryFingerprint({})).toBe(queryFingerprint({ filter: undefined, sort: undefined }));
  });
});
