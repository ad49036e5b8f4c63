import { auditDeclaration, eventType, resourceEventName } from '../../../../src/extensions/audit/audit-event';

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
