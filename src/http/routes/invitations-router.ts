// The invitation routes (README "Invitations"). Thin: each checks its scope and hands the body, id and query to the
// invitations service. Two routers, because they sit on either side of authentication:
//   - invitationAcceptRouter: POST /Invitations/accept, authenticated by the link's token alone (no bearer token),
//     limited per client address (limitByAddress), with its own body parser; mounted before the bearer check;
//   - invitationsRouter: everything else, behind the bearer token like every SCIM route.
import type { Request, Router } from 'express';
import { requireScope } from '../../auth/passport-bearer';
import { Scope } from '../../auth/scopes';
import type { InvitationsService } from '../../extensions/invitations/invitations-service';
import { invitationRepresentation } from '../../extensions/invitations/invitation-representation';
import { parseCursorPaging, type ListLimits, type ListParameters } from '../../scim/list/list-request';
import { listResponse } from '../../scim/list/list-response';
import { scimErrors } from '../../scim/errors';
import { methodNotAllowed } from '../method-not-allowed';
import { retrySafe } from '../middleware/idempotency';
import { jsonBody } from '../middleware/json-body';
import { limitByAddress } from '../middleware/rate-limit';
import { requestContextOf } from '../request-scope';
import { sendScim } from '../respond';
import { mountedRouter } from '../route-template';

/** Accepts per client address per minute: far above a person retrying a form, far below guessing anything. */
export const ACCEPT_LIMIT = { name: 'invitation-accept', limit: 20, windowSeconds: 60 } as const;

export interface InvitationsRouterDeps {
  readonly invitations: InvitationsService;
  readonly listLimits: Pick<ListLimits, 'maxResults' | 'defaultCount'>;
}

const idOf = (req: Request) => String(req.params.id);

function filterOf(req: Request): string | undefined {
  const value = (req.query as ListParameters).filter;
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw scimErrors.invalidFilter("Parameter 'filter' must be given once, as a string");
  return value;
}

export function invitationAcceptRouter(deps: Pick<InvitationsRouterDeps, 'invitations'> & { readonly bodyLimit: number }): Router {
  const router = mountedRouter();
  router.post('/accept', limitByAddress(ACCEPT_LIMIT), jsonBody({ limit: deps.bodyLimit }), async (req, res) => {
    const { invitation, user } = await deps.invitations.accept({ requestId: req.id, clientAddress: req.ip ?? null }, req.body);
    sendScim(res, 200, { ...invitationRepresentation(invitation), userName: user.attributes.userName });
  });
  router.all('/accept', methodNotAllowed(['POST']));
  return router;
}

export function invitationsRouter(deps: InvitationsRouterDeps): Router {
  const router = mountedRouter();
  router.post('/', requireScope(Scope.write), retrySafe, async (req, res) => {
    sendScim(res, 200, await deps.invitations.invite(requestContextOf(req), req.body));
  });
  router.get('/', requireScope(Scope.read), async (req, res) => {
    const paging = parseCursorPaging(req.query as ListParameters, deps.listLimits);
    sendScim(res, 200, listResponse(await deps.invitations.list(requestContextOf(req), { filter: filterOf(req), ...paging })));
  });
  router.get('/:id', requireScope(Scope.read), async (req, res) => {
    sendScim(res, 200, await deps.invitations.get(requestContextOf(req), idOf(req)));
  });
  router.delete('/:id', requireScope(Scope.write), async (req, res) => {
    await deps.invitations.cancel(requestContextOf(req), idOf(req));
    sendScim(res, 204);
  });
  router.post('/:id/resend', requireScope(Scope.write), retrySafe, async (req, res) => {
    sendScim(res, 200, await deps.invitations.resend(requestContextOf(req), idOf(req), req.body));
  });
  router.all('/', methodNotAllowed(['GET', 'POST']));
  router.all('/:id', methodNotAllowed(['GET', 'DELETE']));
  router.all('/:id/resend', methodNotAllowed(['POST']));
  return router;
}
