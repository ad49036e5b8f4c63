// The shape of a route's entry in the OpenAPI document (route-docs.ts lists them; openapi-document.ts renders them).
import type { Scope } from '../../auth/scopes';
import { auditDeclaration, type AuditDeclaration } from '../../extensions/audit/audit-event';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseDoc {
  readonly description: string;
  /** A schema under components.schemas (e.g. `User`, `ListResponse`, `Error`); none for an empty body. */
  readonly schema?: string;
}

export interface QueryParameterDoc {
  readonly name: string;
  readonly description: string;
  readonly type?: 'string' | 'integer';
}

/** A route's audit events: RESOURCE and ACTION, and the resource type it acts on (its `:id` is that type's id). */
export interface RouteAudit extends AuditDeclaration {
  readonly resourceType?: string;
}

/** The audit declaration of a route: `audited('USER', 'CREATE', 'User')`. */
export function audited(resource: string, action: string, resourceType?: string): RouteAudit {
  return { ...auditDeclaration(resource, action), ...(resourceType ? { resourceType } : {}) };
}

export interface RouteDoc {
  readonly method: HttpMethod;
  /** As registered in Express, relative to the mount: `/Users/:id`. */
  readonly path: string;
  readonly mount: 'scim' | 'root';
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  /** `bearer`: a token with `scope`; `discovery`: a token unless SCIM_PUBLIC_DISCOVERY; `none`: open. */
  readonly auth: 'bearer' | 'discovery' | 'none';
  readonly scope?: Scope;
  readonly query?: readonly QueryParameterDoc[];
  readonly headers?: readonly QueryParameterDoc[];
  /** A schema under components.schemas. */
  readonly requestBody?: string;
  readonly responses: Readonly<Record<string, ResponseDoc>>;
  readonly deprecated?: boolean;
  /** Its audit events; null for a route that needs no token (nobody to record, no tenant to record it for). */
  readonly audit: RouteAudit | null;
}
