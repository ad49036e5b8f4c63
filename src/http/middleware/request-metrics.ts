// Counts and times every answered request for the metrics (README "Metrics"), labelled with its route template
// (src/http/route-template.ts), never its path. A request whose client went away before the answer was handed over
// is not observed (there was no answer).
import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from '../../metrics/metrics';
import { routeTemplateOf } from '../route-template';
import type { AnsweredError } from './request-context';

export function requestMetrics(metrics: Pick<Metrics, 'observeRequest'>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const answered = res.locals.answeredError as AnsweredError | undefined;
      metrics.observeRequest({
        method: req.method,
        route: routeTemplateOf(req),
        status: res.statusCode,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        scimType: res.statusCode >= 400 ? answered?.scimType : undefined,
      });
    });
    next();
  };
}
