// The outbox message a write carries for its START and SUCCESS: queued for the audit topic's worker (and the webhook
// fan-out) unless it is known that no webhook of the tenant wants either event, in which case it is marked for the
// audit store only, and a store that holds both writes the events there with the change.
import { createOperationAudit, type OperationAuditDeps } from '../../../../src/extensions/audit/operation-audit';
import { auditDeclaration } from '../../../../src/extensions/audit/audit-event';
import type { AuditEventRecord } from '../../../../src/store/audit-event-store';

const who = { tenantId: 't1', actor: { kind: 'token', tokenId: 'tok', label: 'okta' }, requestId: 'r1', clientAddress: null };
const started = new Date('2025-01-01T00:00:00.000Z');

function effectsWith(mayBeSubscribed: OperationAuditDeps['mayBeSubscribed']) {
  const asked: string[] = [];
  const deps: OperationAuditDeps = {
    sink: { record: () => undefined },
    clock: () => new Date('2025-01-01T00:00:00.250Z'),
    newId: () => 'message-1',
    ...(mayBeSubscribed ? { mayBeSubscribed: (tenantId: string, type: string) => (asked.push(`${tenantId}:${type}`), mayBeSubscribed(tenantId, type)) } : {}),
  };
  const operation = createOperationAudit(deps, auditDeclaration('USER', 'CREATE'), who, started);
  operation.target('User');
  const [message] = operation.effectsOfSuccess({ resourceType: 'User', resourceId: 'u1', changedAttributes: ['userName'] });
  return { message, asked, events: (message.payload as unknown as { events: AuditEventRecord[] }).events };
}

describe('a write’s audit message', () => {
  it('is for the audit store only when no webhook of the tenant wants its START or SUCCESS', () => {
    const { message, asked, events } = effectsWith(() => false);
    expect(message).toMatchObject({ tenantId: 't1', topic: 'audit', key: `operation:${events[0].id}`, auditStoreOnly: true });
    expect(events.map((event) => [event.type, event.resource])).toEqual([
      ['USER_CREATE_START', { type: 'User' }],
      ['USER_CREATE_SUCCESS', { type: 'User', id: 'u1' }],
    ]);
    expect(asked).toEqual(['t1:USER_CREATE_START', 't1:USER_CREATE_SUCCESS']);
  });

  it('is queued when a webhook may want one of them, or when nobody says', () => {
    expect(effectsWith((_tenant, type) => type === 'USER_CREATE_SUCCESS').message.auditStoreOnly).toBeUndefined();
    expect(effectsWith(() => true).message.auditStoreOnly).toBeUndefined();
    expect(effectsWith(undefined).message.auditStoreOnly).toBeUndefined();
  });
});
