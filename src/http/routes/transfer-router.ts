// The export and import routes (README "Export and import"), mounted at the User endpoint before the SCIM routes (so
// that `/Users/.export` is not read as the id of a user). Thin: each checks its scope and that no secret came in the
// URL, and hands the body to the transfer service.
import type { Router } from 'express';
import { requireScope } from '../../auth/passport-bearer';
import { Scope } from '../../auth/scopes';
import type { TransferService } from '../../extensions/transfer/transfer-service';
import { readOnConflict, refuseSecretInQuery } from '../../extensions/transfer/transfer-requests';
import type { ListLimits } from '../../scim/list/list-request';
import { methodNotAllowed } from '../method-not-allowed';
import { retrySafe } from '../middleware/idempotency';
import { requestContextOf } from '../request-scope';
import { sendScim } from '../respond';
import { mountedRouter } from '../route-template';

export interface TransferRouterDeps {
  readonly transfer: TransferService;
  readonly listLimits: Pick<ListLimits, 'maxResults' | 'defaultCount'>;
}

export function transferRouter(deps: TransferRouterDeps): Router {
  const router = mountedRouter();

  router.post('/.export', requireScope(Scope.export), async (req, res) => {
    refuseSecretInQuery(req.query);
    sendScim(res, 200, await deps.transfer.exportPage(requestContextOf(req), req.body, deps.listLimits));
  });

  router.post('/.import', requireScope(Scope.write), retrySafe, async (req, res) => {
    refuseSecretInQuery(req.query);
    const onConflict = readOnConflict(req.query.onConflict);
    sendScim(res, 200, await deps.transfer.importRecords(requestContextOf(req), req.body, onConflict));
  });

  for (const path of ['/.export', '/.import']) router.all(path, methodNotAllowed(['POST']));
  return router;
}
