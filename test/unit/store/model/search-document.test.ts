// The search document and indexed values derived from a resource's attributes (src/store/model/search-document.ts).
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
import { deriveSearchData } from '../../../../src/store/model/search-document';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const model = createStoreModel(loadBuiltinRegistry());
const derive = (attributes: Record<string, unknown>, resourceType = 'User') => {
  const derived = deriveSearchData(model.modelOf(resourceType), attributes);
  return { document: JSON.parse(derived.search) as Record<string, unknown>, values: derived.values };
};

describe('deriveSearchData', () => {
  it('keys attributes canonically, holds every value as a list and folds caseExact=false strings', () => {
    const { document } = derive({
      USERNAME: 'ÅSA',
      externalId: 'Ext-1',
      name: { GivenName: 'Zoe\u0308' },
      [ENTERPRISE.toUpperCase()]: { Department: 'Ops', manager: { value: 'M-1' } },
    });
    expect(document).toEqual({
      externalId: ['Ext-1'],
      userName: ['åsa'],
      name: [{ givenName: ['zoë'] }],
      [`${ENTERPRISE}:department`]: ['ops'],
      [`${ENTERPRISE}:manager`]: [{ value: ['m-1'] }],
    });
  });

  it('puts the primary element of a multi-valued attribute first and keeps the others in order', () => {
    const { document } = derive({
      userName: 'a',
      emails: [{ value: 'One@x' }, { value: 'two@x', primary: false }, { value: 'three@x', primary: true, type: 'Work' }],
    });
    expect(document.emails).toEqual([{ value: ['three@x'], primary: [true], type: ['work'] }, { value: ['one@x'] }, { value: ['two@x'], primary: [false] }]);
  });

  it('drops nulls, keeps "" and values of the wrong type, and wraps shapes no comparison can match', () => {
    const { document } = derive({
      userName: 'a',
      displayName: '',
      nickName: null,
      title: 42,
      emails: [null, 'bare', { value: null, type: 'home', unknown: 'x' }],
      x509Certificates: [{ value: 'QUJD' }],
    });
    expect(document).toEqual({
      userName: ['a'],
      displayName: [''],
      title: [42],
      emails: [{ '!': 'bare' }, { type: ['home'], '!': { unknown: 'x' } }],
      x509Certificates: [{ value: ['QUJD'] }],
    });
  });

  it('normalises dateTime values to UTC milliseconds and wraps invalid ones', () => {
    const withDate = createSchemaRegistry({
      schemas: [user, group, role, lifecycleUser, { ...enterpriseUser, attributes: [...enterpriseUser.attributes, { name: 'hireDate', type: 'dateTime' }] }],
      resourceTypes,
      commonAttributes,
    });
    const derived = deriveSearchData(createStoreModel(withDate).modelOf('User'), {
      userName: 'a',
      [ENTERPRISE]: { hireDate: '2024-01-15T11:00:00+01:00' },
    });
    expect(JSON.parse(derived.search)[`${ENTERPRISE}:hireDate`]).toEqual(['2024-01-15T10:00:00.000Z']);
    const invalid = deriveSearchData(createStoreModel(withDate).modelOf('User'), { userName: 'a', [ENTERPRISE]: { hireDate: ['soon', ''] } });
    expect(JSON.parse(invalid.search)[`${ENTERPRISE}:hireDate`]).toEqual([{ '!': 'soon' }, null]);
  });

  it('lists the folded, distinct string values of the indexed paths, unique ones flagged (never "")', () => {
    const { values } = derive({
      userName: 'BJensen',
      externalId: 'E-1',
      displayName: 'Babs',
      emails: [{ value: 'B@x' }, { value: 'b@X' }, { value: 7 }, { value: '' }],
      title: 'not indexed',
    });
    expect(values).toEqual(
      expect.arrayContaining([
        { path: 'userName', value: 'bjensen', unique: true },
        { path: 'externalId', value: 'E-1', unique: false },
        { path: 'displayName', value: 'babs', unique: false },
        { path: 'emails.value', value: 'b@x', unique: false },
        { path: 'emails.value', value: '', unique: false },
      ]),
    );
    expect(values).toHaveLength(5);
    expect(derive({ displayName: '' }, 'Group').values).toEqual([{ path: 'displayName', value: '', unique: false }]);
    expect(derive({ displayName: 'Admins', members: [{ value: 'U-1' }] }, 'Group').values).toEqual([
      { path: 'displayName', value: 'admins', unique: true },
      { path: 'members.value', value: 'u-1', unique: false },
    ]);
  });

  it('derives an empty document for a resource type the registry does not know', () => {
    expect(derive({ anything: 'x' }, 'Device')).toEqual({ document: {}, values: [] });
  });
});
