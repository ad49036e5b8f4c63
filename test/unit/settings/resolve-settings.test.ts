import { oneOf, integer } from '../../../src/config/value-parsers';
import { checkKeys, parseAssignments, resolveSettings } from '../../../src/settings/resolve-settings';
import { SettingError, type SettingsTable } from '../../../src/settings/setting-definition';
import { TENANT_SETTINGS, type TenantSettings } from '../../../src/settings/tenant-settings';

// A table like the server's, with one row per kind of value: adding a key is adding a row.
const table = {
  'lockout.maxAttempts': { description: 'failed sign-ins before a lock', default: 5, parse: integer(0, 100) },
  'groups.unknownMembers': { description: 'what to do with members that name nothing', default: 'reject', parse: oneOf('reject', 'ignore') },
  'email.domains': {
    description: 'allowed domains',
    default: [] as string[],
    parse: (raw: string) => raw.split(',').map((part) => part.trim().toLowerCase()).filter(Boolean),
    format: (value: string[]) => value.join(','),
  },
} as const satisfies SettingsTable;

describe('resolveSettings', () => {
  it('gives every key its stored value parsed, or its default', () => {
    expect(resolveSettings(table, { 'lockout.maxAttempts': '3', 'email.domains': 'a.com,b.com' })).toEqual({
      'lockout.maxAttempts': 3,
      'groups.unknownMembers': 'reject',
      'email.domains': ['a.com', 'b.com'],
    });
  });

  it('reads a stored value the table no longer accepts as the default, and reports it; ignores unknown stored keys', () => {
    const problems: string[] = [];
    const resolved = resolveSettings(table, { 'lockout.maxAttempts': '500', 'newer.key': 'x' }, (key, problem) => problems.push(`${key} ${problem}`));
    expect(resolved['lockout.maxAttempts']).toBe(5);
    expect(resolved).not.toHaveProperty('newer.key');
    expect(problems).toEqual(['lockout.maxAttempts must be between 0 and 100, got 500']);
  });

  it('resolves the server table', () => {
    const settings: TenantSettings = resolveSettings(TENANT_SETTINGS, {});
    expect(Object.keys(settings)).toEqual(Object.keys(TENANT_SETTINGS));
  });
});

describe('parseAssignments', () => {
  it('parses key=value into the canonical text to store', () => {
    expect(parseAssignments(table, ['lockout.maxAttempts= 7 ', 'groups.unknownMembers=IGNORE', 'email.domains=A.com, b.com,,'])).toEqual({
      'lockout.maxAttempts': '7',
      'groups.unknownMembers': 'ignore',
      'email.domains': 'a.com,b.com',
    });
    // A value may contain "=" (only the first one separates the key).
    expect(parseAssignments({ 'x.text': { description: '', default: '', parse: (raw: string) => raw } }, ['x.text=a=b'])).toEqual({ 'x.text': 'a=b' });
  });

  it('refuses unknown keys, bad values, repeats and malformed arguments, naming the key', () => {
    const refusal = (assignments: string[]) => {
      try {
        parseAssignments(table, assignments);
      } catch (error) {
        expect(error).toBeInstanceOf(SettingError);
        return `${(error as SettingError).key}: ${(error as Error).message}`;
      }
      throw new Error('expected a refusal');
    };
    expect(refusal(['lockout.maxAttempts=3', 'lockout.maxattempts=4'])).toBe(
      'lockout.maxattempts: Unknown setting "lockout.maxattempts"; the settings are lockout.maxAttempts, groups.unknownMembers, email.domains',
    );
    expect(refusal(['lockout.maxAttempts=many'])).toBe('lockout.maxAttempts: lockout.maxAttempts must be a whole number, got "many"');
    expect(refusal(['groups.unknownMembers=drop'])).toBe('groups.unknownMembers: groups.unknownMembers must be one of reject, ignore; got "drop"');
    expect(refusal(['lockout.maxAttempts=1', 'lockout.maxAttempts=2'])).toBe('lockout.maxAttempts: Setting "lockout.maxAttempts" given twice');
    expect(refusal(['lockout.maxAttempts'])).toBe('lockout.maxAttempts: Expected key=value, got "lockout.maxAttempts"');
    expect(refusal(['=3'])).toBe('=3: Expected key=value, got "=3"');
    expect(refusal(['__proto__=x'])).toMatch(/^__proto__: Unknown setting "__proto__"/);
  });

  it('says so when the table is empty', () => {
    expect(() => parseAssignments({}, ['a=1'])).toThrow('Unknown setting "a"; this server has no tenant settings');
  });

  it('checks keys for unsetting', () => {
    expect(checkKeys(table, ['email.domains'])).toEqual(['email.domains']);
    expect(() => checkKeys(table, ['email.domain'])).toThrow('Unknown setting "email.domain"');
  });
});
