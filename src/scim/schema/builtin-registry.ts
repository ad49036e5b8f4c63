// The server's schemas, read from schemas/*.json (the single source of truth) and compiled into the build: the RFC 7643
// schemas, and this server's own extensions (README "Extensions").
import commonAttributes from '../../../schemas/common-attributes.json';
import enterpriseUser from '../../../schemas/enterprise-user.json';
import group from '../../../schemas/group.json';
import lifecycleUser from '../../../schemas/lifecycle-user.json';
import resourceTypes from '../../../schemas/resource-types.json';
import role from '../../../schemas/role.json';
import user from '../../../schemas/user.json';
import { createSchemaRegistry, type RegistrySource, type SchemaRegistry } from './registry';

/** The definitions as written in schemas/, before defaults are filled in (operator-schemas.ts adds to them). */
export const BUILTIN_REGISTRY_SOURCE: RegistrySource = { schemas: [user, group, enterpriseUser, lifecycleUser, role], resourceTypes, commonAttributes };

export function loadBuiltinRegistry(): SchemaRegistry {
  return createSchemaRegistry(BUILTIN_REGISTRY_SOURCE);
}
