// Users as export records (transfer-record.ts), a page at a time: the page of users in id order, their groups in one
// batch per page, each password hash sealed with the export's key. Shared by POST /Users/.export (one page per
// request) and the export job (page after page into a file), so that both write the same records.
import type { RequestContext } from '../../auth/request-context';
import { representResource } from '../../resources/represent';
import type { ResourceService } from '../../resources/resource-service';
import type { ResourceTypeDefinition } from '../../scim/schema/attribute';
import { DEFAULT_SELECTION } from '../../scim/schema/attribute-selection';
import type { SchemaRegistry } from '../../scim/schema/registry';
import type { KeysetPosition, StoredResource } from '../../store/resource-store';
import { readLifecycle } from '../lifecycle/lifecycle-attributes';
import type { HashSealer } from './sealed-hash';
import type { TransferRecord } from './transfer-record';

export interface RecordPage {
  readonly records: TransferRecord[];
  /** Where the next page starts; absent after the last. */
  readonly next?: KeysetPosition;
}

export interface ExportRecordsDeps {
  readonly registry: SchemaRegistry;
  readonly resources: Pick<ResourceService, 'list' | 'computedAttributesOfPage' | 'resourceType'>;
}

export interface ExportRecords {
  readonly userType: ResourceTypeDefinition;
  /** Up to `count` users after `after`, in id order, as records sealed with `sealer`. */
  page(context: RequestContext, sealer: HashSealer, after: KeysetPosition | undefined, count: number): Promise<RecordPage>;
}

export function createExportRecords(deps: ExportRecordsDeps): ExportRecords {
  const userType = deps.resources.resourceType('User');
  // Relative `$ref` and meta.location: a record is read by another server, to which this one's URLs mean nothing.
  const compute = { selection: DEFAULT_SELECTION, baseUrl: '' };

  const recordOf = (stored: StoredResource, computed: Record<string, unknown>, sealer: HashSealer): TransferRecord => {
    const hash = stored.internal.passwordHash;
    return {
      user: representResource(deps.registry, userType, stored, '', DEFAULT_SELECTION, computed),
      originalId: stored.id,
      ...(typeof hash === 'string' ? { passwordHash: sealer.seal(hash, stored.id) } : {}),
      lifecycle: readLifecycle(stored.attributes),
    };
  };

  return {
    userType,
    async page(context, sealer, after, count) {
      const listed = await deps.resources.list(context, userType, { startIndex: 1, count, cursor: '', selection: DEFAULT_SELECTION }, after);
      const ids = listed.resources.map((user) => user.id);
      const computed = await deps.resources.computedAttributesOfPage(context, userType, ids, compute);
      const records = listed.resources.map((stored) => recordOf(stored, computed.get(stored.id) ?? {}, sealer));
      return { records, ...(listed.next ? { next: listed.next } : {}) };
    },
  };
}
