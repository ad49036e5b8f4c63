// A RequestContext as the HTTP edge builds it for a verified token, for tests that call services directly.
import { ActorKind, type RequestContext } from '../../src/auth/request-context';
import { ALL_SCOPES } from '../../src/auth/scopes';

export function tokenContext(tenantId: string, overrides: Partial<Omit<RequestContext, 'tenantId'>> = {}): RequestContext {
  return {
    tenantId,
    actor: { kind: ActorKind.token, tokenId: 'token-1', label: 'test', scopes: ALL_SCOPES },
    requestId: 'request-1',
    clientAddress: '127.0.0.1',
    ...overrides,
  };
}
