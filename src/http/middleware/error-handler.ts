// The only place a thrown error becomes a response. ScimErrors are written as RFC 7644 §3.12 bodies; anything
// else is a 500 with a fixed detail, its cause logged with stack and cause chain at error level (never echoed, so
// no stack trace or secret leaves). The scimType and detail answered are handed to the request-log line.
import type { NextFunction, Request, Response } from 'express';
import { ScimError, scimErrors } from '../../scim/errors';
import { sendScim } from '../respond';
import type { AnsweredError } from './request-context';

interface TransportError {
  type?: string;
  status?: number;
  expose?: boolean;
  limit?: number;
  code?: string;
}

/**
 * Problems of the request itself that Express and body-parser report as errors with a `status` (they never reach a
 * handler); mapped to SCIM errors so that no client input answers 500.
 */
function transportError(error: TransportError, req: Request): ScimError | undefined {
  // The router decodes each path parameter; `%ff` or an encoded lone surrogate is not percent-encoded UTF-8.
  if (error instanceof URIError && error.status === 400) {
    return scimErrors.badRequest('The request path holds a malformed percent-encoding: an id must be UTF-8, percent-encoded (RFC 3986 §2.1)');
  }
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
    case 'request.size.invalid':
      return scimErrors.badRequest('The request body is not as long as its Content-Length says');
    default:
      break;
  }
  // A 4xx that body-parser marks as safe to show: above all a body that does not decompress as its Content-Encoding
  // says (the zlib or brotli error is passed on as it is, with status 400).
  if (error.expose === true && typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
    const encoding = req.get('Content-Encoding')?.slice(0, 32);
    const detail = encoding ? `The request body is not valid '${encoding}' data (Content-Encoding)` : 'The request body could not be read';
    return new ScimError(error.status, detail);
  }
  return undefined;
}

export function errorHandler() {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    let scimError = error instanceof ScimError ? error : transportError((error ?? {}) as TransportError, req);
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
