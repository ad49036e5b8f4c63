// Replays the identity-provider request sequences (test/idp/entra, test/idp/okta, written from the vendors'
// documentation: see README.md there) through the HTTP app on the embedded store, with test/helpers/idp-replay.ts.
// test/guides/guides.test.ts replays the same sequences against a running server set up as the connection guides in
// docs/ say.
import request from 'supertest';
import { IDPS, idpSequences, replaySequence } from '../helpers/idp-replay';
import { createTestApp, SCIM, type TestApp, type TestTenant } from '../helpers/test-app';

const sequences = idpSequences();

describe('identity-provider request sequences', () => {
  it('has sequences for both identity providers', () => {
    for (const idp of IDPS) expect(sequences.filter(([name]) => name.startsWith(`${idp}/`)).length).toBeGreaterThanOrEqual(3);
  });

  describe.each(sequences)('%s', (_file, sequence) => {
    let t: TestApp;
    let tenant: TestTenant;
    beforeAll(async () => {
      t = await createTestApp();
      tenant = await t.tenant({ name: 'idp', profile: sequence.profile });
    });
    afterAll(() => t.close());

    it(sequence.description, async () => {
      await replaySequence(sequence, async (method, path, headers, body) => {
        let call = request(t.app)[method.toLowerCase() as 'get'](`${SCIM}${path}`).set(tenant.auth).set(headers);
        if (body !== undefined) call = call.set('Content-Type', 'application/scim+json').send(JSON.stringify(body));
        const res = await call;
        return { status: res.status, body: res.body, text: res.text };
      });
    });
  });
});
