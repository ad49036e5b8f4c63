// Records every operation of every route in the audit trail: `<RESOURCE>_<ACTION>_START`, then `_SUCCESS` or `_FAIL`
// (src/extensions/audit/). The route's events are declared with its OpenAPI entry (route-docs.ts); this middleware
// starts the clock when the request arrives, gives the operation's audit record to the services through the
// RequestContext (request-scope.ts), and, once the answer is sent, records the outcome if nothing recorded it yet:
// a write records its own SUCCESS with the change; everything else is recorded here from the status answered.
//
// Not recorded: requests without a verified token (no tenant to record them for: 401s, public discovery, /health),
// paths that are no route (404 from the fallback), and methods a route does not offer (405): none is an operation.
import type { NextFunction, Request, Response } from 'express';
import { createOperationAudit, type AuditSink, type OperationAudit } from '../../extensions/audit/operation-audit';
import type { AuditRoutes } from '../audit-routes';
import type { AnsweredError } from './request-context';

declare module 'express-serve-static-core' {
  interface Request {
    /** The audit record of this request's operation; undefined when it has none (see above). */
    auditOperation?: () => OperationAudit | undefined;
  }
}

export interface AuditTrailDeps {
  readonly routes: AuditRoutes;
  readonly sink: AuditSink;
  readonly clock: () => Date;
  readonly newId: () => string;
  /** Whether a webhook may want an event of the tenant (operation-audit.ts); absent: every write's events are queued. */
  readonly mayBeSubscribed?: (tenantId: string, type: string) => boolean;
}

/** 499: the client closed the connection before the answer was sent (no HTTP status says so; this is nginx's). */
const CLIENT_CLOSED = 499;

export function auditTrail(deps: AuditTrailDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = deps.clock();
    let operation: OperationAudit | undefined;
    let resolved = false;
    req.auditOperation = () => {
      if (resolved) return operation;
      // Only once the token is verified: before that there is neither a tenant nor an actor.
      if (!req.auth) return undefined;
      resolved = true;
      const url = req.originalUrl;
      const query = url.indexOf('?');
      const route = deps.routes.resolve(req.method, query < 0 ? url : url.slice(0, query));
      if (!route) return undefined;
      const { tenant, actor } = req.auth;
      operation = createOperationAudit(
        deps,
        route.audit,
        {
          tenantId: tenant.id,
          actor: { kind: actor.kind, tokenId: actor.tokenId, label: actor.label },
          requestId: req.id,
          clientAddress: req.ip ?? null,
        },
        started,
      );
      if (route.audit.resourceType) operation.target(route.audit.resourceType, route.param);
      return operation;
    };

    const record = () => {
      const audit = req.auditOperation?.();
      if (!audit || audit.settled) return;
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED;
      if (status === 405) return;
      if (status < 400) {
        audit.succeed();
        return;
      }
      const answered = res.locals.answeredError as AnsweredError | undefined;
      audit.fail({ status, scimType: answered?.scimType });
    };
    // 'close' follows 'finish' when the answer was sent, and comes alone when the client went away first; either way
    // once per response, so a plain listener does (no once-wrapper per request).
    res.on('close', record);
    next();
  };
}
