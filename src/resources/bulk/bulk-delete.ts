// POST /Users/.bulk-delete: the "delete these ids" job that directory products offer beside SCIM Bulk. Each id is
// deleted through the service's single delete (the same tenant scope and clean-up as DELETE /Users/{id}), and the
// answer has one entry per id, shaped like a BulkResponse so that a client reads it with the same code. In the audit
// trail the request is one <RESOURCE>_BULK_DELETE operation, and each id one <RESOURCE>_DELETE with its position.
import type { RequestContext } from '../../auth/request-context';
import { auditDeclaration, resourceEventName } from '../../extensions/audit/audit-event';
import { ScimError, scimErrors } from '../../scim/errors';
import type { ResourceTypeDefinition } from '../../scim/schema/attribute';
import { URN } from '../../scim/urns';
import { resourceLocation } from '../represent';
import type { ResourceService } from '../resource-service';
import { BulkMethod, type BulkOperationResult, type BulkResponseBody } from './bulk-operation';
import { isMessage, messageField } from './message-field';

export interface BulkDeleteOptions {
  readonly baseUrl: string;
  readonly onInternalError?: (error: unknown) => void;
}

/** Reads `{"ids": [...]}`; refuses the whole request (nothing deleted) when it is malformed or over `maxIds`. */
export function parseBulkDeleteIds(body: unknown, maxIds: number): string[] {
  const ids = isMessage(body) ? messageField(body, 'ids') : undefined;
  if (!Array.isArray(ids)) throw scimErrors.invalidSyntax('The request body must be a JSON object with "ids": an array of resource ids');
  if (ids.length > maxIds) {
    throw scimErrors.payloadTooLarge(`The request lists ${ids.length} ids; this server accepts at most ${maxIds} per request (SCIM_BULK_DELETE_MAX_IDS). Split it into smaller requests.`);
  }
  const bad = ids.findIndex((id) => typeof id !== 'string' || id.trim() === '');
  if (bad >= 0) throw scimErrors.invalidValue(`"ids" must hold non-empty strings; entry ${bad} is ${JSON.stringify(ids[bad])}. Nothing was deleted.`);
  return ids as string[];
}

/** Deletes each id in turn; an id that fails (e.g. 404) does not stop the others. */
export async function bulkDelete(
  service: Pick<ResourceService, 'delete'>,
  context: RequestContext,
  type: ResourceTypeDefinition,
  ids: readonly string[],
  options: BulkDeleteOptions,
): Promise<BulkResponseBody> {
  const results: BulkOperationResult[] = [];
  const declaration = auditDeclaration(resourceEventName(type.name), 'DELETE');
  for (const [index, id] of ids.entries()) {
    const location = resourceLocation(options.baseUrl, type, id);
    const operation = context.operation?.child(declaration, { index });
    try {
      await service.delete({ ...context, operation }, type, id);
      results.push({ method: BulkMethod.delete, location, status: '204' });
    } catch (error) {
      let scimError: ScimError;
      if (error instanceof ScimError) scimError = error;
      else {
        options.onInternalError?.(error);
        scimError = scimErrors.internal(error);
      }
      operation?.fail({ status: scimError.status, scimType: scimError.scimType });
      results.push({ method: BulkMethod.delete, location, status: String(scimError.status), response: scimError.toBody() });
    }
  }
  return { schemas: [URN.message.bulkResponse], Operations: results };
}
