// The only place a thrown error becomes a response. ScimErrors are written as RFC 7644 §3.12 bodies; anything
// else is a 500 with a fixed detail, its cause logged with stack and cause chain at error level (never echoed, so
// no stack trace or secret leaves). The scimType and detail answered are handed to the request-log line.
import type { NextFunction, Request, Response } from 'express';
import { ScimError, scimErrors } from '../../scim/errors';
import { sendScim } from '../respond';
import type { AnsweredError } from './request-context';

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** body-parser and raw-body report transport problems with a `type`; map them to SCIM errors. */
function transportError(error: BodyParserError): ScimError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return scimErrors.invalidSyntax('The request body is not valid JSON');
    case 'entity.too.large':
      return scimErrors.payloadTooLarge(`The request body exceeds the limit of ${error.limit ?? 'the configured'} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return scimErrors.unsupportedMediaType('Unsupported request body encoding or charset');
    case 'request.aborted':
      return scimErrors.badRequest('The request was aborted');
    default:
      return undefined;
  }
}

export function errorHandler() {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    let scimError = error instanceof ScimError ? error : transportError((error ?? {}) as BodyParserError);
    if (!scimError) {
      req.log?.error({ err: error }, 'unexpected error');
      scimError = scimErrors.internal(error);
    } else if (scimError.status === 501) {
      // 501 is a deliberate answer about a feature this server does not offer (RFC 7644 §3.11 /Me), not a fault.
      req.log?.info({ status: scimError.status }, scimError.detail);
    } else if (scimError.status >= 500) {
      req.log?.error({ err: scimError.cause ?? scimError, status: scimError.status }, scimError.detail);
    }
    const answered: AnsweredError = { scimType: scimError.scimType, detail: scimError.detail };
    res.locals.answeredError = answered;
    sendScim(res, scimError.status, scimError.toBody(), { ...scimError.headers });
  };
}
