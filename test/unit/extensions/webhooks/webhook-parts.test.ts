// The pure parts of webhooks: which addresses are private, which events a pattern matches, how secrets are sealed and
// where the key comes from. Deliveries themselves are tested over real HTTP in test/http/webhooks.test.ts.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDestination, isPrivateAddress, urlProblem } from '../../../../src/extensions/webhooks/address-policy';
import { checkPatterns, eventMatcher } from '../../../../src/extensions/webhooks/event-patterns';
import { createSecretBox, newWebhookSecret } from '../../../../src/extensions/webhooks/secret-box';
import { resolveWebhookKey, webhookKeyFile } from '../../../../src/extensions/webhooks/secret-key';
import { signatureHeader, verifySignature } from '../../../../src/extensions/webhooks/signature';

describe('isPrivateAddress', () => {
  it('refuses loopback, private, link-local, shared, reserved and multicast addresses, in every spelling', () => {
    for (const address of ['127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fd12::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', 'not-an-ip']) {
      expect({ address, private: isPrivateAddress(address) }).toEqual({ address, private: true });
    }
  });

  it('lets public addresses through', () => {
    for (const address of ['93.184.215.14', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect({ address, private: isPrivateAddress(address) }).toEqual({ address, private: false });
    }
  });

  it('checks every address a name resolves to, and names the one it refuses', async () => {
    const resolve = async (host: string) => (host === 'mixed.test' ? ['93.184.215.14', '10.0.0.7'] : ['93.184.215.14']);
    await expect(checkDestination(new URL('https://mixed.test/x'), { allowPrivate: false, resolve })).rejects.toThrow('mixed.test resolves to 10.0.0.7');
    await expect(checkDestination(new URL('https://mixed.test/x'), { allowPrivate: true, resolve })).resolves.toEqual({ addresses: ['93.184.215.14', '10.0.0.7'] });
    await expect(checkDestination(new URL('https://[::1]:8443/x'), { allowPrivate: false, resolve })).rejects.toThrow('::1 resolves to ::1');
  });

  it('refuses URLs that are not http(s), carry credentials or a fragment', () => {
    expect(urlProblem('https://hooks.example.com/x?y=1')).toBeUndefined();
    expect(urlProblem('file:///etc/passwd')).toMatch(/https/);
    expect(urlProblem('https://u:p@hooks.example.com/')).toMatch(/user name or password/);
    expect(urlProblem('https://hooks.example.com/#x')).toMatch(/fragment/);
    expect(urlProblem('hooks.example.com')).toMatch(/not an absolute URL/);
  });
});

describe('event patterns', () => {
  it('match exact types and * wildcards, nothing else', () => {
    const matches = eventMatcher(checkPatterns(['USER_*', '*_FAIL', 'GROUP_CREATE_SUCCESS']));
    expect(['USER_CREATE_START', 'GROUP_UPDATE_FAIL', 'GROUP_CREATE_SUCCESS'].filter(matches)).toHaveLength(3);
    expect(['GROUP_CREATE_START', 'XUSER_CREATE_START', 'GROUP_CREATE_SUCCESS_X'].filter(matches)).toEqual([]);
    expect(eventMatcher(['*'])('ANYTHING')).toBe(true);
  });

  it('refuse what is not an event type or pattern', () => {
    expect(() => checkPatterns(['user_*'])).toThrow('upper case');
    expect(() => checkPatterns(['USER.*'])).toThrow('upper case');
    expect(() => checkPatterns([])).toThrow('at least one');
    expect(checkPatterns(['USER_*', 'USER_*'])).toEqual(['USER_*']);
  });
});

describe('secrets and signatures', () => {
  it('seal a secret so that only the same key, for the same webhook, opens it', () => {
    const box = createSecretBox('k'.repeat(32));
    const secret = newWebhookSecret();
    const sealed = box.seal(secret, 'w1');
    expect(sealed).not.toContain(secret);
    expect(box.open(sealed, 'w1')).toBe(secret);
    expect(() => box.open(sealed, 'w2')).toThrow();
    expect(() => createSecretBox('j'.repeat(32)).open(sealed, 'w1')).toThrow();
    // A changed byte of the tag (its first character: the last one of base64url also carries padding bits, which
    // decoding ignores) makes it fail to open.
    const [format, iv, body, tag] = sealed.split('.');
    const tampered = [format, iv, body, `${tag[0] === 'A' ? 'B' : 'A'}${tag.slice(1)}`].join('.');
    expect(() => box.open(tampered, 'w1')).toThrow();
    expect(() => createSecretBox('short')).toThrow('32 bytes');
  });

  it('sign "<t>.<body>" with HMAC-SHA256, and verify only that', () => {
    const header = signatureHeader('whsec_x', '{"a":1}', 1_700_000_000);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature('whsec_x', '{"a":1}', header)).toBe(true);
    expect(verifySignature('whsec_x', '{"a":2}', header)).toBe(false);
    expect(verifySignature('whsec_x', '{"a":1}', header.replace('t=1700000000', 't=1700000001'))).toBe(false);
    expect(verifySignature('whsec_x', '{"a":1}', 'v1=00')).toBe(false);
  });
});

describe('resolveWebhookKey', () => {
  it('takes SCIM_WEBHOOK_SECRET_KEY first; else a key file beside the database, made once with mode 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'webhook-key-'));
    const path = join(dir, 'scim.db');
    expect(resolveWebhookKey('c'.repeat(32), { kind: 'sqlite', path })).toMatchObject({ source: 'config', key: 'c'.repeat(32) });
    const first = resolveWebhookKey(undefined, { kind: 'sqlite', path });
    expect(first).toMatchObject({ source: 'file', file: webhookKeyFile(path) });
    expect(statSync(webhookKeyFile(path)).mode & 0o777).toBe(0o600);
    expect(resolveWebhookKey(undefined, { kind: 'sqlite', path }).key).toBe(first.key);
    expect(readFileSync(webhookKeyFile(path), 'utf8')).toBe(first.key);
    rmSync(dir, { recursive: true, force: true });
  });

  it('has no key on MongoDB without the variable, and a key of the process for an in-memory store', () => {
    expect(resolveWebhookKey(undefined, { kind: 'mongodb', uri: 'mongodb://localhost/scim' })).toEqual({ source: 'none' });
    expect(resolveWebhookKey(undefined, { kind: 'sqlite', path: ':memory:' })).toMatchObject({ source: 'process' });
  });
});
