// The indexes of the MongoDB store, derived from the schema registry (like the embedded store's side table): a new
// schema or extension with a `uniqueness: "server"` attribute gets its unique index without code changes. Every
// index starts with tenantId, so every query of one tenant is targeted, and the shard key { tenantId: 1,
// resourceType: 1 } (README "Running on MongoDB") is a prefix of each unique index, as MongoDB requires on a
// sharded collection.
//
// Case-insensitive uniqueness and lookups are index-backed through normalised shadow fields (resource-document.ts:
// `u` and `s` hold foldCase()d values), not through a collation: the same rule then serves SQLite, MongoDB and the
// MongoDB-compatible services whose collation support is partial or absent (ARCHITECTURE "Store notes"), and a
// query cannot miss the index by forgetting to name the collation.
import type { Db, IndexDescription } from 'mongodb';
import type { SchemaRegistry } from '../../scim/schema/registry';
import type { IndexedPath, StoreModel } from '../model/resource-model';
import { fieldName, slotField, uniqueField } from './resource-document';
import { keyedSortsOf } from './sort-keys';
import { hasTrigrams, trigramField } from './trigrams';

export const COLLECTIONS = {
  resources: 'resources',
  memberships: 'memberships',
  tenants: 'tenants',
  tokens: 'tokens',
  meta: 'store_meta',
  settings: 'tenant_settings',
  jobs: 'jobs',
  outbox: 'outbox',
  auditEvents: 'audit_events',
  blobFiles: 'blobs.files',
  blobChunks: 'blobs.chunks',
  rateCounters: 'rate_counters',
  idempotencyKeys: 'idempotency_keys',
  signIns: 'sign_ins',
  invitations: 'invitations',
  invitationTokens: 'invitation_tokens',
} as const;
export type CollectionName = (typeof COLLECTIONS)[keyof typeof COLLECTIONS];

export interface IndexSpec extends IndexDescription {
  readonly name: string;
}

/** Index name -> the attribute a duplicate key on it is reported as (StoreError `attribute`). */
export type ConflictAttributes = ReadonlyMap<string, string>;

export interface IndexPlan {
  readonly indexes: Readonly<Record<CollectionName, readonly IndexSpec[]>>;
  /** For the resources collection: which attribute each unique index guards. */
  readonly conflictAttributes: ConflictAttributes;
  /** Unique field (`u.<field>`) -> attribute, for servers that report the key pattern of a duplicate. */
  readonly conflictFields: ConflictAttributes;
}

export const RESOURCE_ID_INDEX = 'tenant_type_id';
export const MEMBERSHIP_INDEX = 'tenant_group_member';
export const PENDING_INDEX = 'tenant_pending';
export const TOKEN_SECRET_INDEX = 'secret_hash';
export const JOB_IDEMPOTENCY_INDEX = 'jobs_tenant_type_idempotency_key';

const MEMBERS_PATH = 'members.value';

export function planIndexes(registry: SchemaRegistry, model: StoreModel): IndexPlan {
  const resources = new Map<string, IndexSpec>();
  const conflictAttributes = new Map<string, string>([[RESOURCE_ID_INDEX, 'id']]);
  const conflictFields = new Map<string, string>([['id', 'id']]);
  const add = (index: IndexSpec) => resources.set(index.name, index);

  // Reads by id, id order without a sort, keyset cursors by id; a second resource with an id is E11000 here.
  add({ name: RESOURCE_ID_INDEX, key: { tenantId: 1, resourceType: 1, id: 1 }, unique: true });
  // Sorting and keyset cursors by meta.lastModified (incremental synchronisation: `meta.lastModified gt ...`).
  add({ name: 'tenant_type_last_modified', key: { tenantId: 1, resourceType: 1, lastModified: 1, id: 1 } });
  // Resources with membership changes still to apply (membership-store.ts): normally none, so the partial index is
  // empty and "does this tenant have any?" costs a seek into nothing.
  add({ name: PENDING_INDEX, key: { tenantId: 1, 'pending.stamp': 1 }, partialFilterExpression: { 'pending.0': { $exists: true } } });
  // Writes whose process died before their effects reached the outbox (mongo-resource-store.ts, recoverEffects): only
  // such documents hold `outboxPending`, and only for an instant otherwise, so the sparse index stays nearly empty.
  add({ name: 'outbox_pending', key: { 'outboxPending.created': 1 }, sparse: true });

  for (const type of registry.resourceTypes) {
    // A page sorted by a kept sort key (sort-keys.ts) is a range of this index, forwards or backwards; a keyset page
    // starts at the cursor's key. One index per path, shared by the types that have it.
    for (const keyed of keyedSortsOf(model.modelOf(type.name))) {
      add({ name: `sort_${fieldName(keyed.path)}`, key: { tenantId: 1, resourceType: 1, [keyed.field]: 1 } });
    }
    for (const indexed of model.modelOf(type.name).indexedPaths) {
      // Members live in their own collection, with their own indexes.
      if (indexed.path === MEMBERS_PATH && type.name === 'Group') continue;
      if (indexed.unique) {
        const index = uniqueIndex(indexed);
        add(index);
        conflictAttributes.set(index.name, indexed.path);
        conflictFields.set(uniqueField(indexed), indexed.path);
      } else {
        add(lookupIndex(indexed));
      }
      // `co` and `ew` of three characters or more: the documents holding every piece of the literal (trigrams.ts).
      if (hasTrigrams(indexed)) add({ name: `trigrams_${fieldName(indexed.path)}`, key: { tenantId: 1, resourceType: 1, [trigramField(indexed)]: 1 } });
    }
  }

  return {
    indexes: {
      resources: [...resources.values()],
      memberships: [
        // A group's members, in member-id order (list, add, remove, has); one membership per (group, member).
        { name: MEMBERSHIP_INDEX, key: { tenantId: 1, groupId: 1, memberId: 1 }, unique: true },
        // The groups of a member: `members.value eq "<id>"` and cleanup when a resource is deleted.
        { name: 'tenant_member_group', key: { tenantId: 1, memberId: 1, groupId: 1 } },
      ],
      tenants: [{ name: 'created', key: { created: 1, _id: 1 } }],
      tokens: [
        { name: TOKEN_SECRET_INDEX, key: { secretHash: 1 }, unique: true },
        { name: 'tenant_created', key: { tenantId: 1, created: 1, _id: 1 } },
      ],
      store_meta: [],
      // Read by _id only.
      tenant_settings: [],
      jobs: [
        // One job per (tenant, type, idempotency key); jobs without a key are not indexed here.
        { name: JOB_IDEMPOTENCY_INDEX, key: { tenantId: 1, type: 1, idempotencyKey: 1 }, unique: true, partialFilterExpression: { idempotencyKey: { $exists: true } } },
        // A claim: the job due longest. Finished jobs have no `due`, and a range on a string skips them.
        { name: 'jobs_due', key: { due: 1, created: 1, _id: 1 } },
        // A tenant's jobs, newest first; the finished ones housekeeping deletes.
        { name: 'jobs_tenant_created', key: { tenantId: 1, created: -1, _id: -1 } },
        { name: 'jobs_tenant_finished', key: { tenantId: 1, finished: 1 } },
      ],
      outbox: [
        // Appending is idempotent: one message per (tenant, topic, key).
        { name: 'outbox_tenant_topic_key', key: { tenantId: 1, topic: 1, key: 1 }, unique: true },
        // A claim: pending messages available longest first.
        { name: 'outbox_available', key: { status: 1, availableAt: 1, created: 1, _id: 1 } },
        // A tenant's messages (dead letters) oldest first; delivered ones housekeeping deletes.
        { name: 'outbox_tenant_created', key: { tenantId: 1, created: 1, _id: 1 } },
        { name: 'outbox_delivered', key: { status: 1, delivered: 1 } },
      ],
      // One per field a filter may name, each ending in (time, _id): a filtered page newest first is one index range.
      // The first also serves retention (a tenant's events older than a time).
      audit_events: [
        { name: 'audit_tenant_time', key: { tenantId: 1, time: -1, _id: -1 } },
        { name: 'audit_tenant_type_time', key: { tenantId: 1, type: 1, time: -1, _id: -1 } },
        { name: 'audit_tenant_outcome_time', key: { tenantId: 1, outcome: 1, time: -1, _id: -1 } },
        { name: 'audit_tenant_token_time', key: { tenantId: 1, tokenId: 1, time: -1, _id: -1 }, partialFilterExpression: { tokenId: { $exists: true } } },
        { name: 'audit_tenant_resource_time', key: { tenantId: 1, resourceId: 1, time: -1, _id: -1 }, partialFilterExpression: { resourceId: { $exists: true } } },
      ],
      // GridFS (mongo-blob-store.ts). The first two are the indexes the driver creates on a bucket's first upload,
      // under the names it gives them, so that its check finds them; the others serve tenant deletion and expiry.
      'blobs.files': [
        { name: 'filename_1_uploadDate_1', key: { filename: 1, uploadDate: 1 } },
        { name: 'blobs_tenant', key: { 'metadata.tenantId': 1 } },
        { name: 'blobs_expires', key: { 'metadata.expires': 1 } },
      ],
      'blobs.chunks': [{ name: 'files_id_1_n_1', key: { files_id: 1, n: 1 }, unique: true }],
      // Read by _id only; housekeeping deletes expired counters.
      rate_counters: [{ name: 'rate_counters_expires', key: { expires: 1 } }],
      // Read by _id (tenant and key id); housekeeping deletes expired records, tenant deletion a tenant's.
      idempotency_keys: [
        { name: 'idempotency_expires', key: { expires: 1 } },
        { name: 'idempotency_tenant', key: { tenantId: 1 } },
      ],
      sign_ins: [
        // A user's history newest first (keyset by time and id); the retention sweep's old entries of a tenant.
        { name: 'sign_ins_tenant_user_time', key: { tenantId: 1, userId: 1, time: -1, id: -1 } },
        { name: 'sign_ins_tenant_time', key: { tenantId: 1, time: 1 } },
      ],
      invitations: [
        // Lists in keyset order (created, id), unfiltered or filtered on status or the address; the expiry sweep.
        { name: 'invitations_tenant_created', key: { tenantId: 1, created: 1, id: 1 } },
        { name: 'invitations_tenant_status_created', key: { tenantId: 1, status: 1, created: 1, id: 1 } },
        { name: 'invitations_tenant_email_created', key: { tenantId: 1, emailKey: 1, created: 1, id: 1 } },
        { name: 'invitations_due', key: { tenantId: 1, expires: 1 }, partialFilterExpression: { status: 'pending' } },
        // One pending invitation per address of a tenant.
        { name: 'invitations_pending_email', key: { tenantId: 1, emailKey: 1 }, unique: true, partialFilterExpression: { status: 'pending' } },
      ],
      // Read by _id (the link's hash); the tenant index serves tenant deletion.
      invitation_tokens: [{ name: 'invitation_tokens_tenant', key: { tenantId: 1 } }],
    },
    conflictAttributes,
    conflictFields,
  };
}

/**
 * Unique per tenant and resource type, on the folded non-empty values; partial, so that a document without the
 * attribute (or of a type where it is not unique) is not indexed as a null that would collide with the next one.
 */
function uniqueIndex(indexed: IndexedPath): IndexSpec {
  const field = uniqueField(indexed);
  return {
    name: `unique_${fieldName(indexed.path)}`,
    key: { tenantId: 1, resourceType: 1, [field]: 1 },
    unique: true,
    partialFilterExpression: { [field]: { $exists: true } },
  };
}

/** Equality lookups IdPs make (externalId, emails.value, displayName) on the folded search-document values. */
function lookupIndex(indexed: IndexedPath): IndexSpec {
  const field = indexed.subAttribute ? `${slotField(indexed.slot)}.${indexed.subAttribute.name}` : slotField(indexed.slot);
  return { name: `lookup_${fieldName(indexed.path)}`, key: { tenantId: 1, resourceType: 1, [field]: 1 } };
}

/** Creates every index of the plan. Idempotent: an index that exists with the same definition is left alone. */
export async function createIndexes(db: Db, plan: IndexPlan): Promise<void> {
  for (const [collection, indexes] of Object.entries(plan.indexes)) {
    if (indexes.length > 0) await db.collection(collection).createIndexes([...indexes]);
  }
}
