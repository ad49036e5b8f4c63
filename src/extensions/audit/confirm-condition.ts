// Did the change happen? The check for a held audit message whose writer died before releasing it (outbox-store.ts,
// "Held messages"): the message carries a condition naming the change, and the store tells whether it happened. A
// message whose condition holds is delivered; one whose condition does not hold describes a change that never
// happened, and is dropped.
import type { AuditEventStore } from '../../store/audit-event-store';
import type { ResourceReader } from '../../store/resource-store';
import type { TenantStore } from '../../store/tenant-store';
import type { AuditMessagePayload } from './audit-event';

/** What held audit messages can claim about their change. */
export type AuditCondition =
  /** A resource delete (the MongoDB store's deletes: mongo-resource-store.ts). */
  | { readonly kind: 'resourceDeleted'; readonly resourceType: string; readonly id: string }
  /** A token was created (admin CLI: token create, token rotate). */
  | { readonly kind: 'tokenExists'; readonly tokenId: string }
  /** A token was revoked (admin CLI: token revoke). */
  | { readonly kind: 'tokenRevoked'; readonly tokenId: string };

export interface ConditionDeps {
  readonly resources: Pick<ResourceReader, 'get'>;
  readonly tenants: Pick<TenantStore, 'listTokens'>;
  readonly auditEvents: Pick<AuditEventStore, 'list'>;
}

/** Thrown for a condition this server does not know (written by a newer version): the message is kept for it. */
export class UnknownCondition extends Error {}

export function createConditionCheck(deps: ConditionDeps) {
  const tokenOf = async (tenantId: string, tokenId: string) => (await deps.tenants.listTokens(tenantId)).find((token) => token.id === tokenId);

  return async function holds(tenantId: string, condition: unknown, payload: AuditMessagePayload): Promise<boolean> {
    const known = condition as AuditCondition;
    switch (known?.kind) {
      case 'resourceDeleted': {
        if ((await deps.resources.get(tenantId, known.resourceType, known.id)) !== null) return false;
        // Gone: deleted by this message's request, unless a concurrent delete won (and recorded its own SUCCESS).
        const mine = new Set(payload.events.map((event) => event.requestId));
        const recorded = await deps.auditEvents.list(tenantId, {
          count: 20,
          filter: {
            kind: 'and',
            filters: [
              { kind: 'compare', field: 'resource.id', op: 'eq', value: known.id },
              { kind: 'compare', field: 'type', op: 'ew', value: '_DELETE_SUCCESS' },
            ],
          },
        });
        return !recorded.events.some((event) => !mine.has(event.requestId));
      }
      case 'tokenExists':
        return (await tokenOf(tenantId, known.tokenId)) !== undefined;
      case 'tokenRevoked':
        return (await tokenOf(tenantId, known.tokenId))?.revoked !== undefined;
      default:
        throw new UnknownCondition(`Unknown condition on a held audit message: ${JSON.stringify(condition)?.slice(0, 200)}`);
    }
  };
}
