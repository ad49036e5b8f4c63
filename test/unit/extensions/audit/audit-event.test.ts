import { auditDeclaration, eventId, eventType, resourceEventName } from '../../../../src/extensions/audit/audit-event';

describe('audit event names', () => {
  it('are <RESOURCE>_<ACTION>_<PHASE>, with resource type names in upper snake case', () => {
    expect(eventType(auditDeclaration('USER', 'CREATE'), 'START')).toBe('USER_CREATE_START');
    expect(eventType(auditDeclaration(resourceEventName('AuditEvent'), 'RETRIEVE_LIST'), 'FAIL')).toBe('AUDIT_EVENT_RETRIEVE_LIST_FAIL');
    expect(resourceEventName('Group')).toBe('GROUP');
  });

  it('refuse a declaration that would not read as one', () => {
    for (const [resource, action] of [['user', 'CREATE'], ['USER', 'CREATE-ALL'], ['USER', ''], ['USER_', 'X'], ['USER', 'A B']]) {
      expect(() => auditDeclaration(resource, action)).toThrow('upper-case words');
    }
  });
});

describe('eventId', () => {
  it('is a version 7 UUID whose order is the order of its time', () => {
    const times = [0, 1, 255, 1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000].map((ms) => new Date(ms));
    const ids = times.map(eventId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[3].replace(/-/g, '').slice(0, 12)).toBe((1_700_000_000_000).toString(16).padStart(12, '0'));
    expect(new Set(times.map(() => eventId(times[4]))).size).toBe(times.length);
  });
});
