// The ScimError a synchronous call throws; fails the test when it throws nothing or something else.
import { ScimError } from '../../src/scim/errors';

export function scimErrorOf(call: () => unknown): ScimError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error('expected a ScimError');
}
