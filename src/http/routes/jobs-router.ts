// A tenant's background jobs (README "Jobs"): list, read, cancel or delete, and download a job's file. Thin: the
// tenant-jobs service decides what a job shows and which scope its file needs.
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Request, Router } from 'express';
import { requireScope } from '../../auth/passport-bearer';
import { hasScope, Scope } from '../../auth/scopes';
import type { TenantJobs } from '../../jobs/tenant-jobs';
import { scimErrors } from '../../scim/errors';
import { parseCursorPaging, type ListLimits, type ListParameters } from '../../scim/list/list-request';
import { methodNotAllowed } from '../method-not-allowed';
import { actorOf, requestContextOf } from '../request-scope';
import { sendScim } from '../respond';
import { mountedRouter } from '../route-template';

export interface JobsRouterDeps {
  readonly jobs: TenantJobs;
  readonly listLimits: Pick<ListLimits, 'maxResults' | 'defaultCount'>;
}

export function jobsRouter(deps: JobsRouterDeps): Router {
  const router = mountedRouter();
  const idOf = (req: Request) => String(req.params.id);

  router.get('/', requireScope(Scope.read), async (req, res) => {
    const paging = parseCursorPaging(req.query as ListParameters, deps.listLimits);
    sendScim(res, 200, await deps.jobs.list(requestContextOf(req), paging));
  });

  router.get('/:id', requireScope(Scope.read), async (req, res) => {
    sendScim(res, 200, await deps.jobs.get(requestContextOf(req), idOf(req)));
  });

  // The scope depends on the file: an export (password hashes) needs scim:export, an import's report scim:read.
  router.get('/:id/download', async (req, res) => {
    const actor = actorOf(req);
    if (!hasScope(actor, Scope.read) && !hasScope(actor, Scope.export)) throw scimErrors.forbidden('Downloading a job\'s file needs a token with scim:read (reports) or scim:export (export files)');
    const download = await deps.jobs.download(requestContextOf(req), idOf(req), (scope) => hasScope(actor, scope));
    res.status(200);
    res.setHeader('Content-Type', download.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${download.fileName}"`);
    // Streamed part after part: memory stays bounded whatever the size of the file.
    await pipeline(Readable.from(download.content), res);
  });

  router.delete('/:id', requireScope(Scope.write), async (req, res) => {
    const outcome = await deps.jobs.cancelOrDelete(requestContextOf(req), idOf(req));
    if (outcome.cancelled) sendScim(res, 200, outcome.job);
    else sendScim(res, 204);
  });

  router.all('/', methodNotAllowed(['GET']));
  router.all('/:id', methodNotAllowed(['GET', 'DELETE']));
  router.all('/:id/download', methodNotAllowed(['GET']));
  return router;
}
