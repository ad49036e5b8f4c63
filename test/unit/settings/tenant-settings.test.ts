// The server's own rows of the tenant settings table: the two protocol tolerances (README "Tolerances").
import { parseAssignments, resolveSettings } from '../../../src/settings/resolve-settings';
import { TENANT_SETTINGS } from '../../../src/settings/tenant-settings';

describe('the tolerance settings', () => {
  it('default to reject', () => {
    expect(resolveSettings(TENANT_SETTINGS, {})).toMatchObject({ 'tolerance.unknownMembers': 'reject', 'tolerance.unknownSchemas': 'reject' });
  });

  it('take reject or ignore, in any case, as `tenant set` writes them', () => {
    expect(parseAssignments(TENANT_SETTINGS, ['tolerance.unknownMembers=Ignore', 'tolerance.unknownSchemas= reject'])).toEqual({
      'tolerance.unknownMembers': 'ignore',
      'tolerance.unknownSchemas': 'reject',
    });
    expect(resolveSettings(TENANT_SETTINGS, { 'tolerance.unknownMembers': 'ignore' })['tolerance.unknownMembers']).toBe('ignore');
  });

  it('refuse anything else, naming the key and the choices', () => {
    expect(() => parseAssignments(TENANT_SETTINGS, ['tolerance.unknownMembers=maybe'])).toThrow('tolerance.unknownMembers must be one of reject, ignore; got "maybe"');
  });
});
