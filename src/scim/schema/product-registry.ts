// The server's own resource types beside SCIM's (the audit trail, webhooks), from schemas/ in the product URN namespace
// (`urn:scim-server:params:scim:schemas:<feature>:2.0:<Type>`). They are served by routes of their own, not by the
// generic SCIM resource routes, the root search or Bulk, which work on the provisioning registry (User, Group) only;
// discovery (/ResourceTypes, /Schemas) and the OpenAPI document show both.
import auditEvent from '../../../schemas/audit-event.json';
import productResourceTypes from '../../../schemas/product-resource-types.json';
import webhook from '../../../schemas/webhook.json';
import { createSchemaRegistry, type SchemaRegistry } from './registry';

export const PRODUCT_URN = {
  auditEvent: auditEvent.id,
  webhook: webhook.id,
} as const;

/** The provisioning registry with the product resource types and their schemas added. */
export function withProductTypes(registry: SchemaRegistry): SchemaRegistry {
  return createSchemaRegistry({
    schemas: [...registry.schemas, auditEvent, webhook],
    resourceTypes: [...registry.resourceTypes, ...productResourceTypes],
    commonAttributes: registry.commonAttributes,
  });
}
