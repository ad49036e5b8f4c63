// Who acts, for which tenant, and from where: the context every service call takes. It is built at the edge from
// verified facts only (the bearer token's record, the request id, the client address) and never from a request
// body, so the tenant of every store call is the tenant of the token (ARCHITECTURE "Multi-tenancy"). Services
// read the tenant from it; audit events, lifecycle changes and invitations read the actor, the request id and the
// client address. Stores never see it: they take the tenant id alone and know nothing of actors.
import { randomUUID } from 'node:crypto';
import type { OperationAudit } from '../extensions/audit/operation-audit';
import { ALL_SCOPES, type Scope } from './scopes';

export const ActorKind = {
  /** A bearer token presented over HTTP. */
  token: 'token',
  /** The admin command line: an operator on the server's host, who holds every scope. */
  cli: 'cli',
  /** The server's own background work (a job of the worker host, such as lifting timed locks), on one tenant. */
  system: 'system',
  /** A person accepting an invitation: authenticated by the invitation's link alone, with no bearer token. */
  invitee: 'invitee',
} as const;
export type ActorKind = (typeof ActorKind)[keyof typeof ActorKind];

export interface Actor {
  readonly kind: ActorKind;
  /** The id of the token presented (the TokenRecord id); null when no token was used (the CLI). */
  readonly tokenId: string | null;
  /** The token's label as issued (e.g. `okta`), or `cli`: how a person recognises the actor in a log or an event. */
  readonly label: string;
  readonly scopes: readonly Scope[];
}

export interface RequestContext {
  /** The tenant every store call of this request is scoped to: the token's tenant. */
  readonly tenantId: string;
  readonly actor: Actor;
  /** The X-Request-Id of the HTTP request (also in every log line), or an id of its own for a CLI command. */
  readonly requestId: string;
  /** The client's IP address as the server sees it (after SCIM_TRUST_PROXY); null when there is none (the CLI). */
  readonly clientAddress: string | null;
  /**
   * The audit record of the operation this context runs (src/extensions/audit/operation-audit.ts): a write hands its
   * effectsOfSuccess() to the store with the change. Absent where an operation records its events itself.
   */
  readonly operation?: OperationAudit;
}

export const CLI_ACTOR: Actor = Object.freeze({ kind: ActorKind.cli, tokenId: null, label: 'cli', scopes: ALL_SCOPES });
export const SYSTEM_ACTOR: Actor = Object.freeze({ kind: ActorKind.system, tokenId: null, label: 'system', scopes: ALL_SCOPES });

/** The context of an admin command acting on one tenant. */
export function cliContext(tenantId: string, requestId: string = randomUUID()): RequestContext {
  return Object.freeze({ tenantId, actor: CLI_ACTOR, requestId, clientAddress: null });
}

/** The context of an invitation's accept request: the tenant the link belongs to, no scopes. */
export function inviteeContext(tenantId: string, requestId: string, clientAddress: string | null): RequestContext {
  return Object.freeze({ tenantId, actor: Object.freeze({ kind: ActorKind.invitee, tokenId: null, label: 'invitee', scopes: [] }), requestId, clientAddress });
}

/** The context of background work on one tenant; `requestId` names the job run (also in its log lines). */
export function systemContext(tenantId: string, requestId: string = randomUUID()): RequestContext {
  return Object.freeze({ tenantId, actor: SYSTEM_ACTOR, requestId, clientAddress: null });
}
