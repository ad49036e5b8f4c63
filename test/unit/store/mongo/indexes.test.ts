// The index plan derived from the registry: what each index covers, that tenantId leads every one, and that the
// unique ones guard the folded values the documents hold.
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { COLLECTIONS, createIndexes, planIndexes, RESOURCE_ID_INDEX } from '../../../../src/store/mongo/indexes';
import { createStoreModel } from '../../../../src/store/model/resource-model';
import { createMingoDb } from './mingo-db';

const registry = loadBuiltinRegistry();
const plan = planIndexes(registry, createStoreModel(registry));
const byName = (collection: keyof typeof plan.indexes, name: string) => plan.indexes[collection].find((index) => index.name === name);

describe('planIndexes', () => {
  it('puts tenantId first in every index of tenant data that a request reads', () => {
    // The recovery of stranded write effects reads across tenants, as outbox and job claims do (never a request).
    const crossTenant = new Set(['outbox_pending']);
    for (const collection of [COLLECTIONS.resources, COLLECTIONS.memberships, COLLECTIONS.auditEvents] as const) {
      for (const index of plan.indexes[collection]) if (!crossTenant.has(index.name)) expect(Object.keys(index.key)[0]).toBe('tenantId');
    }
    expect(byName('resources', 'outbox_pending')).toEqual({ name: 'outbox_pending', key: { 'outboxPending.created': 1 }, sparse: true });
    expect(Object.keys(byName('tokens', 'tenant_created')!.key)[0]).toBe('tenantId');
  });

  it('makes (tenant, type, id) unique: reads by id, id order and id keysets use it', () => {
    expect(byName('resources', RESOURCE_ID_INDEX)).toEqual({ name: RESOURCE_ID_INDEX, key: { tenantId: 1, resourceType: 1, id: 1 }, unique: true });
  });

  it('makes the folded userName unique per tenant and type, over documents that have one', () => {
    expect(byName('resources', 'unique_userName')).toEqual({
      name: 'unique_userName',
      key: { tenantId: 1, resourceType: 1, 'u.userName': 1 },
      unique: true,
      partialFilterExpression: { 'u.userName': { $exists: true } },
    });
    expect(plan.conflictAttributes.get('unique_userName')).toBe('userName');
    expect(plan.conflictFields.get('u.userName')).toBe('userName');
  });

  it('makes the Group displayName unique (declared server-unique), and indexes displayName lookups', () => {
    expect(byName('resources', 'unique_displayName')).toMatchObject({ key: { tenantId: 1, resourceType: 1, 'u.displayName': 1 }, unique: true });
    expect(plan.conflictAttributes.get('unique_displayName')).toBe('displayName');
    expect(byName('resources', 'lookup_displayName')).toEqual({ name: 'lookup_displayName', key: { tenantId: 1, resourceType: 1, 's.displayName': 1 } });
  });

  it('indexes externalId, the folded emails.value and meta.lastModified', () => {
    expect(byName('resources', 'lookup_externalId')?.key).toEqual({ tenantId: 1, resourceType: 1, 's.externalId': 1 });
    expect(byName('resources', 'lookup_emails_002evalue')?.key).toEqual({ tenantId: 1, resourceType: 1, 's.emails.value': 1 });
    expect(byName('resources', 'tenant_type_last_modified')?.key).toEqual({ tenantId: 1, resourceType: 1, lastModified: 1, id: 1 });
  });

  it('indexes the holders of a role (roles.value) and makes a Role name unique per tenant (README "Roles")', () => {
    expect(byName('resources', 'lookup_roles_002evalue')?.key).toEqual({ tenantId: 1, resourceType: 1, 's.roles.value': 1 });
    expect(byName('resources', 'unique_name')).toMatchObject({ key: { tenantId: 1, resourceType: 1, 'u.name': 1 }, unique: true });
    expect(plan.conflictAttributes.get('unique_name')).toBe('name');
  });

  it('indexes the kept sort keys of userName and name.familyName (sort-keys.ts), after tenant and type', () => {
    expect(byName('resources', 'sort_userName')).toEqual({ name: 'sort_userName', key: { tenantId: 1, resourceType: 1, 'o.userName': 1 } });
    expect(byName('resources', 'sort_name_002efamilyName')).toEqual({ name: 'sort_name_002efamilyName', key: { tenantId: 1, resourceType: 1, 'o.name_002efamilyName': 1 } });
  });

  it('indexes the trigrams of the indexed string attributes, for co and ew (trigrams.ts), not of group members', () => {
    expect(byName('resources', 'trigrams_emails_002evalue')).toEqual({ name: 'trigrams_emails_002evalue', key: { tenantId: 1, resourceType: 1, 'g.emails_002evalue': 1 } });
    expect(byName('resources', 'trigrams_userName')).toMatchObject({ key: { tenantId: 1, resourceType: 1, 'g.userName': 1 } });
    expect(byName('resources', 'trigrams_members_002evalue')).toBeUndefined();
  });

  it('keeps members out of the resources collection and indexes memberships both ways', () => {
    expect(plan.indexes.resources.some((index) => Object.keys(index.key).some((field) => field.includes('members')))).toBe(false);
    expect(plan.indexes.memberships).toEqual([
      { name: 'tenant_group_member', key: { tenantId: 1, groupId: 1, memberId: 1 }, unique: true },
      { name: 'tenant_member_group', key: { tenantId: 1, memberId: 1, groupId: 1 } },
    ]);
  });

  it('makes token secret hashes unique', () => {
    expect(byName('tokens', 'secret_hash')).toEqual({ name: 'secret_hash', key: { secretHash: 1 }, unique: true });
  });

  it('gives every index a distinct name, and the unique resource indexes the shard key as a prefix', () => {
    const names = Object.values(plan.indexes).flatMap((indexes) => indexes.map((index) => `${index.name}`));
    expect(new Set(names).size).toBe(names.length);
    for (const index of plan.indexes.resources.filter((candidate) => candidate.unique)) {
      expect(Object.keys(index.key).slice(0, 2)).toEqual(['tenantId', 'resourceType']);
    }
  });
});

describe('createIndexes', () => {
  it('creates every planned index and can run again without change', async () => {
    const { db, collections } = createMingoDb();
    await createIndexes(db, plan);
    await createIndexes(db, plan);
    for (const [collection, indexes] of Object.entries(plan.indexes)) {
      if (indexes.length === 0) continue;
      expect([...collections.get(collection)!.indexes.keys()].sort()).toEqual(['_id_', ...indexes.map((index) => index.name)].sort());
    }
  });
});
