import { createHash } from 'node:crypto';
import { hashSecret, issueToken, parseToken, TOKEN_PREFIX } from '../../../src/auth/tokens';
import { Scope } from '../../../src/auth/scopes';
import { NOW, sequentialIds } from './fake-tenant-store';

const ISSUED = /^scim_([A-Za-z0-9-]+)_([A-Za-z0-9_-]{43})$/;

describe('issueToken', () => {
  it('issues scim_<id>_<43 base64url chars> and a record that holds only the hash', () => {
    const { token, record } = issueToken({ tenantId: 't-1', label: 'okta', scopes: [Scope.write, Scope.read], now: NOW, ids: sequentialIds('tok') });
    const match = ISSUED.exec(token);
    expect(match).not.toBeNull();
    expect(match?.[1]).toBe('tok-1');
    expect(Buffer.from(match?.[2] ?? '', 'base64url')).toHaveLength(32);
    expect(record).toEqual({
      id: 'tok-1',
      tenantId: 't-1',
      label: 'okta',
      scopes: ['scim:read', 'scim:write'],
      secretHash: createHash('sha256').update(token).digest('hex'),
      created: '2025-03-01T12:00:00.000Z',
    });
    const stored = JSON.stringify(record);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(match?.[2]);
  });

  it('draws a fresh random secret every time', () => {
    const secrets = new Set(
      Array.from({ length: 50 }, () => ISSUED.exec(issueToken({ tenantId: 't', label: '', scopes: [Scope.read], now: NOW }).token)?.[2]),
    );
    expect(secrets.size).toBe(50);
  });

  it('uses random UUIDs as ids by default', () => {
    const { record, token } = issueToken({ tenantId: 't', label: '', scopes: [Scope.read], now: NOW });
    expect(record.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(token.startsWith(`${TOKEN_PREFIX}${record.id}_`)).toBe(true);
  });

  it('refuses ids that cannot be embedded in the token, and empty or unknown scopes', () => {
    expect(() => issueToken({ tenantId: 't', label: '', scopes: [Scope.read], now: NOW, ids: { uuid: () => 'has_underscore' } })).toThrow(/Token ids/);
    expect(() => issueToken({ tenantId: 't', label: '', scopes: [], now: NOW })).toThrow(/at least one scope/);
    expect(() => issueToken({ tenantId: 't', label: '', scopes: ['scim:admin' as Scope], now: NOW })).toThrow(/Unknown scope scim:admin/);
  });

  it('keeps a chosen token verbatim, stores only its hash, and takes the id from an issued-format value', () => {
    const chosen = 'c'.repeat(20) + 'A1-._~+/'.repeat(2) + '==';
    const opaque = issueToken({ tenantId: 't', label: 'b', scopes: [Scope.read], now: NOW, ids: sequentialIds('tok'), chosenToken: chosen });
    expect(opaque.token).toBe(chosen);
    expect(opaque.record.id).toBe('tok-1');
    expect(opaque.record.secretHash).toBe(hashSecret(chosen));
    expect(JSON.stringify(opaque.record)).not.toContain(chosen);

    const shaped = `scim_fixed-id_${'x'.repeat(43)}`;
    expect(issueToken({ tenantId: 't', label: 'b', scopes: [Scope.read], now: NOW, ids: sequentialIds('tok'), chosenToken: shaped }).record.id).toBe('fixed-id');
  });

  it('rejects chosen tokens that are short, contain spaces or look issued but are not', () => {
    for (const bad of ['x'.repeat(31), `${'x'.repeat(40)} y`, `scim_${'x'.repeat(40)}`, 'é'.repeat(40), 'x'.repeat(513)]) {
      expect(() => issueToken({ tenantId: 't', label: '', scopes: [Scope.read], now: NOW, chosenToken: bad })).toThrow(/chosen token/);
    }
  });
});

describe('parseToken', () => {
  it('recognises issued tokens, including secrets that contain _ and -', () => {
    const secret = `_-${'a'.repeat(39)}_-`;
    expect(parseToken(`scim_0f8e-42_${secret}`)).toEqual({ kind: 'issued', id: '0f8e-42' });
    const { token, record } = issueToken({ tenantId: 't', label: '', scopes: [Scope.read], now: NOW });
    expect(parseToken(token)).toEqual({ kind: 'issued', id: record.id });
  });

  it('recognises chosen tokens of 32 to 512 b64token characters', () => {
    expect(parseToken('a'.repeat(32))).toEqual({ kind: 'chosen' });
    expect(parseToken(`${'Ab9-._~+/'.repeat(4)}==`)).toEqual({ kind: 'chosen' });
    expect(parseToken('a'.repeat(512))).toEqual({ kind: 'chosen' });
  });

  it('returns null for anything else', () => {
    for (const value of ['', 'a'.repeat(31), 'a'.repeat(513), `${'a'.repeat(32)}=x`, `scim_id_${'a'.repeat(42)}`, `scim_id_${'a'.repeat(44)}`, `scim__${'a'.repeat(43)}`, `scim_a.b_${'a'.repeat(43)}`, `${'a'.repeat(32)}\n`]) {
      expect(parseToken(value)).toBeNull();
    }
  });
});

describe('hashSecret', () => {
  it('is the SHA-256 hex digest of the whole token', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashSecret('scim_a_x')).not.toBe(hashSecret('scim_b_x'));
  });
});
