import { ScimError } from '../../../src/scim/errors';
import { writeWithRetry } from '../../../src/resources/resource-service';
import { StoreError, StoreErrorCode } from '../../../src/store/store-error';

const lostRace = () => new StoreError(StoreErrorCode.versionMismatch, 'version moved');

describe('writeWithRetry', () => {
  it('retries a lost compare-and-set when the client sent no If-Match', async () => {
    let calls = 0;
    const result = await writeWithRetry(undefined, async () => {
      calls += 1;
      if (calls < 3) throw lostRace();
      return 'written';
    }, 'User 1');
    expect(result).toBe('written');
    expect(calls).toBe(3);
  });

  it('answers 412 at once when the client sent If-Match', async () => {
    let calls = 0;
    const error = await writeWithRetry({ ifMatch: 'W/"1"' }, async () => {
      calls += 1;
      throw lostRace();
    }, 'User 1').catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(error).toBeInstanceOf(ScimError);
    expect((error as ScimError).status).toBe(412);
  });

  it('gives up with 409 and a retry hint, not 412, when the races never end', async () => {
    let calls = 0;
    const error = await writeWithRetry(undefined, async () => {
      calls += 1;
      throw lostRace();
    }, 'User 1').catch((e: unknown) => e);
    expect(calls).toBe(8);
    expect((error as ScimError).status).toBe(409);
    expect((error as ScimError).detail).toMatch(/retry the request/);
    expect((error as ScimError).detail).not.toMatch(/If-Match/);
  });
});
