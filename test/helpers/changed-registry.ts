// The builtin schema registry with some User attributes' characteristics changed: what a new server version (or an
// operator's schema change) does to the model the stores derive their search fields and unique values from.
import commonAttributes from '../../schemas/common-attributes.json';
import enterpriseUser from '../../schemas/enterprise-user.json';
import group from '../../schemas/group.json';
import lifecycleUser from '../../schemas/lifecycle-user.json';
import resourceTypes from '../../schemas/resource-types.json';
import role from '../../schemas/role.json';
import user from '../../schemas/user.json';
import { createSchemaRegistry, type SchemaRegistry } from '../../src/scim/schema/registry';

export function registryWith(changes: Record<string, Record<string, unknown>>): SchemaRegistry {
  const changed = {
    ...user,
    attributes: user.attributes.map((attribute) => (changes[attribute.name] ? { ...attribute, ...changes[attribute.name] } : attribute)),
  };
  return createSchemaRegistry({ schemas: [changed, group, enterpriseUser, lifecycleUser, role], resourceTypes, commonAttributes });
}
