// The server's schemas, read from schemas/*.json (the single source of truth) and compiled into the build.
import commonAttributes from '../../../schemas/common-attributes.json';
import enterpriseUser from '../../../schemas/enterprise-user.json';
import group from '../../../schemas/group.json';
import resourceTypes from '../../../schemas/resource-types.json';
import user from '../../../schemas/user.json';
import { createSchemaRegistry, type SchemaRegistry } from './registry';

export function loadBuiltinRegistry(): SchemaRegistry {
  return createSchemaRegistry({ schemas: [user, group, enterpriseUser], resourceTypes, commonAttributes });
}
