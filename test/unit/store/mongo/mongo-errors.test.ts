// MongoDB failures -> the store's error family: duplicate keys name their index, an unreachable or electing
// deployment is `unavailable`, everything else escapes unchanged. Built from the driver's own error classes.
import {
  MongoClientClosedError,
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { duplicateKeyDetails, duplicateKeyIndex, isDuplicateKey, isUnavailable, translateErrors, unavailableOr } from '../../../../src/store/mongo/mongo-errors';
import { StoreError } from '../../../../src/store/store-error';

const duplicate = (message: string, keyPattern?: Record<string, number>) =>
  new MongoServerError({ message, code: 11000, ...(keyPattern ? { keyPattern } : {}) });

describe('duplicate keys (E11000)', () => {
  it('recognises code 11000 and nothing else', () => {
    expect(isDuplicateKey(duplicate('E11000 duplicate key error'))).toBe(true);
    expect(isDuplicateKey(new MongoServerError({ message: 'other', code: 11001 }))).toBe(false);
    expect(isDuplicateKey(new Error('E11000 duplicate key error'))).toBe(false);
  });

  it('reads the index name from the message and the fields from the key pattern', () => {
    const error = duplicate('E11000 duplicate key error collection: scim.resources index: unique_userName dup key: { tenantId: "t1", u.userName: "bjensen" }', {
      tenantId: 1,
      resourceType: 1,
      'u.userName': 1,
    });
    expect(duplicateKeyIndex(duplicateKeyDetails(error))).toEqual({ indexName: 'unique_userName', fields: ['tenantId', 'resourceType', 'u.userName'] });
  });

  it('copes with a server that reports neither', () => {
    expect(duplicateKeyIndex({ message: 'E11000 duplicate key error' })).toEqual({ fields: undefined, indexName: undefined });
  });
});

describe('unavailable', () => {
  it.each([
    ['a network error', new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:27017')],
    ['a network timeout', new MongoNetworkTimeoutError('connection timed out')],
    ['no server selectable', new MongoServerSelectionError('Server selection timed out after 5000 ms', { error: undefined } as never)],
    ['a closed topology', new MongoTopologyClosedError()],
    ['a client not connected', new MongoNotConnectedError('not connected')],
    ['a closed client', new MongoClientClosedError()],
    ['a step-down', new MongoServerError({ message: 'not primary', code: 10107 })],
    ['a shutdown', new MongoServerError({ message: 'interrupted at shutdown', code: 11600 })],
    ['an election', new MongoServerError({ message: 'InterruptedDueToReplStateChange', code: 11602 })],
  ])('is %s', (_name, error) => {
    expect(isUnavailable(error)).toBe(true);
    const translated = unavailableOr(error);
    expect(translated).toBeInstanceOf(StoreError);
    expect(translated).toMatchObject({ code: 'unavailable', cause: error });
    // The message names the kind of failure, never hosts or credentials from the driver's text.
    expect((translated as StoreError).message).toBe(`MongoDB is unavailable (${error.name})`);
  });

  it('is a server error labelled retryable', () => {
    const error = new MongoServerError({ message: 'write failed', code: 1234 });
    error.addErrorLabel('RetryableWriteError');
    expect(isUnavailable(error)).toBe(true);
  });

  it.each([
    ['a duplicate key', duplicate('E11000 duplicate key error')],
    ['a validation error', new MongoServerError({ message: 'Document failed validation', code: 121 })],
    ['an authentication failure', new MongoServerError({ message: 'Authentication failed.', code: 18 })],
    ['a programming error', new MongoInvalidArgumentError('bad argument')],
    ['a plain error', new TypeError('x is undefined')],
  ])('is not %s, which escapes unchanged', (_name, error) => {
    expect(isUnavailable(error)).toBe(false);
    expect(unavailableOr(error)).toBe(error);
  });

  it('leaves store errors as they are', () => {
    const error = new StoreError('conflict', 'taken', { attribute: 'userName' });
    expect(unavailableOr(error)).toBe(error);
  });

  it('translates the failure of a call, and passes its result through', async () => {
    await expect(translateErrors(async () => 42)).resolves.toBe(42);
    await expect(
      translateErrors(async () => {
        throw new MongoNetworkError('socket hang up');
      }),
    ).rejects.toMatchObject({ name: 'StoreError', code: 'unavailable' });
  });
});
