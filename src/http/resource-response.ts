// How a route answers with one resource (RFC 7644 §3.3, §3.4.1, §3.5): the projection the request's `attributes` /
// `excludedAttributes` ask for, computed attributes, `ETag`, and, for a token without scim:read, only its identity.
// Shared by the SCIM resource routes and the vendor routes that answer with the resource they changed.
import type { Request, Response } from 'express';
import { hasScope, Scope } from '../auth/scopes';
import { representIdentity, representResource } from '../resources/represent';
import type { ResourceService } from '../resources/resource-service';
import { scimErrors } from '../scim/errors';
import { versionToETag } from '../scim/etag';
import type { ResourceTypeDefinition } from '../scim/schema/attribute';
import { parseAttributeSelection, type AttributeSelection } from '../scim/schema/attribute-selection';
import type { SchemaRegistry } from '../scim/schema/registry';
import type { StoredResource } from '../store/resource-store';
import { actorOf, requestContextOf, scimBaseUrl } from './request-scope';
import { sendScim } from './respond';

export interface ResourceResponderDeps {
  readonly registry: SchemaRegistry;
  readonly service: Pick<ResourceService, 'computedAttributes'>;
  readonly publicBaseUrl?: string;
}

export interface ResourceResponder {
  /** The request's `attributes` / `excludedAttributes` (RFC 7644 §3.9). */
  selectionOf(req: Request): AttributeSelection;
  send(req: Request, res: Response, status: number, stored: StoredResource, extraHeaders?: Record<string, string>): Promise<void>;
}

export function resourceResponder(type: ResourceTypeDefinition, deps: ResourceResponderDeps): ResourceResponder {
  const selectionOf = (req: Request) =>
    parseAttributeSelection(deps.registry, type, {
      attributes: queryString(req, 'attributes'),
      excludedAttributes: queryString(req, 'excludedAttributes'),
    });

  return {
    selectionOf,
    async send(req, res, status, stored, extraHeaders = {}) {
      const baseUrl = scimBaseUrl(req, deps.publicBaseUrl);
      // A write answers with the resource (RFC 7644 §3.3, §3.5.1, §3.5.2); a token without scim:read gets only its id
      // and meta, or a write (even one that changes nothing) would read the resource for it.
      if (!hasScope(actorOf(req), Scope.read)) {
        sendScim(res, status, representIdentity(type, stored, baseUrl), { ETag: versionToETag(stored.version), ...extraHeaders });
        return;
      }
      const selection = selectionOf(req);
      const computed = await deps.service.computedAttributes(requestContextOf(req), type, stored.id, { selection, baseUrl });
      const body = representResource(deps.registry, type, stored, baseUrl, selection, computed);
      sendScim(res, status, body, { ETag: versionToETag(stored.version), ...extraHeaders });
    },
  };
}

export function queryString(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((item) => typeof item === 'string').join(',');
  throw scimErrors.invalidValue(`Parameter '${name}' must be a comma-separated list of attribute names`);
}

/** The `:id` of a resource route, as Express decoded it. */
export function resourceIdOf(req: Request): string {
  const id = req.params.id;
  return Array.isArray(id) ? id.join('/') : id;
}
