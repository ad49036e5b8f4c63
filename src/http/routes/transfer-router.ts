// The export and import routes (README "Export and import"), mounted at the User endpoint before the SCIM routes (so
// that `/Users/.export` is not read as the id of a user). Thin: each checks its scope and that no secret came in the
// URL, and hands the body to the transfer service; the `/all` routes start jobs and answer 202 with the job.
import type { Request, Response, Router } from 'express';
import { requireScope } from '../../auth/passport-bearer';
import { Scope } from '../../auth/scopes';
import type { TransferService } from '../../extensions/transfer/transfer-service';
import { readOnConflict, readSecret, refuseSecretInQuery } from '../../extensions/transfer/transfer-requests';
import type { TransferJobs } from '../../extensions/transfer/transfer-jobs';
import type { TenantJobs } from '../../jobs/tenant-jobs';
import { readUpload, SECRET_HEADER } from '../upload';
import type { ListLimits } from '../../scim/list/list-request';
import { methodNotAllowed } from '../method-not-allowed';
import { retrySafe } from '../middleware/idempotency';
import { requestContextOf, scimBaseUrl } from '../request-scope';
import { sendScim } from '../respond';
import { mountedRouter } from '../route-template';

export interface TransferRouterDeps {
  readonly transfer: TransferService;
  readonly transferJobs: TransferJobs;
  readonly jobs: Pick<TenantJobs, 'get'>;
  readonly listLimits: Pick<ListLimits, 'maxResults' | 'defaultCount'>;
  /** SCIM_IMPORT_MAX_FILE. */
  readonly importMaxFile: number;
  readonly publicBaseUrl?: string;
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

  /** 202 with the job, and where to poll it (RFC 7231 §6.3.3). */
  const accepted = async (req: Request, res: Response, jobId: string) => {
    const context = requestContextOf(req);
    sendScim(res, 202, await deps.jobs.get(context, jobId), { Location: `${scimBaseUrl(req, deps.publicBaseUrl)}/Jobs/${encodeURIComponent(jobId)}` });
  };

  router.post('/.export/all', requireScope(Scope.export), retrySafe, async (req, res) => {
    refuseSecretInQuery(req.query);
    const job = await deps.transferJobs.exportAll(requestContextOf(req), req.body);
    await accepted(req, res, job.id);
  });

  router.post('/.import/all', requireScope(Scope.write), async (req, res) => {
    refuseSecretInQuery(req.query);
    const onConflict = readOnConflict(req.query.onConflict);
    const context = requestContextOf(req);
    // A raw body's secret is in a header, known before the upload: a missing or short one uploads nothing.
    const headerSecret = req.get(SECRET_HEADER);
    if (!req.is('multipart/form-data')) readSecret(headerSecret, `The ${SECRET_HEADER} header`);
    const upload = await readUpload(req, deps.importMaxFile, (content, secret) => deps.transferJobs.storeUpload(context, content, secret));
    const job = await deps.transferJobs.importAll(context, upload.stored, upload.secret, onConflict);
    await accepted(req, res, job.id);
  });

  for (const path of ['/.export', '/.import', '/.export/all', '/.import/all']) router.all(path, methodNotAllowed(['POST']));
  return router;
}
