import { ActorKind, cliContext, CLI_ACTOR } from '../../../src/auth/request-context';
import { ALL_SCOPES } from '../../../src/auth/scopes';

describe('cliContext', () => {
  it('acts as the CLI for one tenant, with every scope, no token and no client address', () => {
    const context = cliContext('tenant-a', 'cli-request');
    expect(context).toEqual({ tenantId: 'tenant-a', actor: { kind: ActorKind.cli, tokenId: null, label: 'cli', scopes: ALL_SCOPES }, requestId: 'cli-request', clientAddress: null });
    expect(context.actor).toBe(CLI_ACTOR);
    expect(Object.isFrozen(context)).toBe(true);
  });

  it('gives each command a request id of its own', () => {
    expect(cliContext('t').requestId).not.toBe(cliContext('t').requestId);
  });
});
