// What every store derives from the registry: search-document slots, indexed and unique paths, fingerprint.
import commonAttributes from '../../../../schemas/common-attributes.json';
import enterpriseUser from '../../../../schemas/enterprise-user.json';
import lifecycleUser from '../../../../schemas/lifecycle-user.json';
import group from '../../../../schemas/group.json';
import resourceTypes from '../../../../schemas/resource-types.json';
import role from '../../../../schemas/role.json';
import user from '../../../../schemas/user.json';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { createSchemaRegistry } from '../../../../src/scim/schema/registry';
import { createStoreModel } from '../../../../src/store/model/resource-model';
import { filterBuilder } from '../../../contract/filter-builder';

const registry = loadBuiltinRegistry();
const model = createStoreModel(registry);
const LIFECYCLE = 'urn:scim-server:params:scim:schemas:extension:lifecycle:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const indexed = (resourceType: string, m = model) => m.modelOf(resourceType).indexedPaths.map((entry) => [entry.path, entry.unique]);

describe('createStoreModel', () => {
  it('indexes the unique attributes the schemas declare, plus the declared lookup paths', () => {
    expect(indexed('User')).toEqual([
      ['userName', true],
      // x-indexed in the product's own User extension; lastSignIn is kept in the unversioned state.
      [`${LIFECYCLE}:state`, false],
      // originalId of imported users (README "Export and import").
      [`${LIFECYCLE}:originalId`, false],
      [`${LIFECYCLE}:lastSignIn`, false],
      ['externalId', false],
      ['displayName', false],
      ['emails.value', false],
      ['roles.value', false],
    ]);
    expect(model.modelOf('User').indexedPaths.filter((indexed) => indexed.slot.part === 'unversioned').map((indexed) => indexed.path)).toEqual([`${LIFECYCLE}:lastSignIn`]);
    expect(indexed('Group')).toEqual([
      ['displayName', true],
      ['externalId', false],
      ['members.value', false],
    ]);
    // The role catalogue: a name is unique per tenant (README "Roles").
    expect(indexed('Role')).toEqual([
      ['name', true],
      ['externalId', false],
    ]);
    expect(indexed('user')).toEqual(indexed('User'));
  });

  it('follows the registry: a unique extension attribute and sub-attribute get unique indexes, with no code change', () => {
    const extended = createSchemaRegistry({
      schemas: [
        user,
        group,
        role,
        {
          ...enterpriseUser,
          attributes: enterpriseUser.attributes.map((attribute) =>
            attribute.name === 'employeeNumber' ? { ...attribute, uniqueness: 'global' } : attribute.name === 'manager' ? { ...attribute, subAttributes: attribute.subAttributes!.map((sub) => (sub.name === 'value' ? { ...sub, uniqueness: 'server' } : sub)) } : attribute,
          ),
        },
        lifecycleUser,
      ],
      resourceTypes,
      commonAttributes,
    });
    const extendedModel = createStoreModel(extended);
    expect(indexed('User', extendedModel)).toEqual(expect.arrayContaining([[`${ENTERPRISE}:employeeNumber`, true], [`${ENTERPRISE}:manager.value`, true]]));
    expect(extendedModel.fingerprint).not.toBe(model.fingerprint);
    expect(createStoreModel(loadBuiltinRegistry()).fingerprint).toBe(model.fingerprint);
  });

  it('maps id and meta to columns and everything else to search-document slots, whatever the spelling', () => {
    const users = filterBuilder(registry, 'User');
    const user = model.modelOf('User');
    expect(user.targetOf(users.path('ID'))).toMatchObject({ kind: 'column', column: 'id' });
    expect(user.targetOf(users.path('meta.LASTMODIFIED'))).toMatchObject({ kind: 'column', column: 'meta.lastModified' });
    expect(user.targetOf(users.path('urn:ietf:params:scim:schemas:core:2.0:User:id'))).toMatchObject({ kind: 'column', column: 'id' });
    expect(user.targetOf(users.path('externalId'))).toMatchObject({ kind: 'slot', slot: { key: 'externalId' } });
    expect(user.targetOf(users.path('manager.value'))).toMatchObject({ kind: 'slot', slot: { key: `${ENTERPRISE}:manager` }, subAttribute: { name: 'value' } });
    expect(user.indexedPathOf(users.path('EMAILS.VALUE'))).toMatchObject({ path: 'emails.value' });
    expect(user.indexedPathOf(users.path('title'))).toBeUndefined();
    // An unknown resource type still knows its columns.
    expect(model.modelOf('Device').targetOf(users.path('meta.created'))).toMatchObject({ kind: 'column', column: 'meta.created' });
    expect(model.modelOf('Device').targetOf(users.path('userName'))).toEqual({ kind: 'absent' });
  });
});
