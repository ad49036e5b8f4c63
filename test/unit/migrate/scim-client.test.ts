// The migrate CLI's HTTP client: which failures it retries, that a retried write carries the same Idempotency-Key on
// every attempt (so a retry after a lost answer gets that answer back), and that a first contact is not retried.
import { createScimClient, ServerError } from '../../../src/migrate/scim-client';

interface Seen {
  readonly url: string;
  readonly headers: Record<string, string>;
}

/** A fetch that plays `answers` in turn (an Error is a failed connection) and records each request. */
function scriptedFetch(answers: (Response | Error)[]) {
  const seen: Seen[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    seen.push({ url, headers: init.headers as Record<string, string> });
    const next = answers.shift();
    if (next === undefined) throw new Error('no more answers');
    if (next instanceof Error) throw next;
    return next;
  }) as unknown as typeof globalThis.fetch;
  return { fetch, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/scim+json', ...headers } });
const refused = () => new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
const instant = async () => undefined;

it('sends the same Idempotency-Key on every attempt of a write: after a lost connection and while the first still runs', async () => {
  const { fetch, seen } = scriptedFetch([refused(), json(409, { status: '409', detail: 'still in progress' }, { 'Retry-After': '1' }), json(200, { results: [] })]);
  const client = createScimClient('http://target/scim/v2/', 'a-token', { fetch, sleep: instant });
  expect(await client.request('POST', '/Users/.import', { body: { records: [] }, idempotencyKey: 'key-1' })).toEqual({ results: [] });
  expect(seen.map((request) => request.headers['Idempotency-Key'])).toEqual(['key-1', 'key-1', 'key-1']);
  expect(seen.every((request) => request.url === 'http://target/scim/v2/Users/.import')).toBe(true);
});

it('does not retry a 409 without an Idempotency-Key (a real conflict), and names the server, the route and its detail', async () => {
  const { fetch, seen } = scriptedFetch([json(409, { status: '409', scimType: 'uniqueness', detail: 'userName is taken' }, { 'Retry-After': '1' })]);
  const client = createScimClient('http://target/scim/v2', 'a-token', { fetch, sleep: instant });
  const failure = await client.request('POST', '/Roles', { body: {} }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(ServerError);
  expect(failure).toMatchObject({ status: 409, scimType: 'uniqueness', detail: 'userName is taken', message: 'POST http://target/scim/v2/Roles answered 409: userName is taken' });
  expect(seen).toHaveLength(1);
});

it('tries a first contact once, and says why the server could not be reached', async () => {
  const { fetch, seen } = scriptedFetch([refused(), json(200, {})]);
  const client = createScimClient('http://nowhere/scim/v2', 'a-token', { fetch, sleep: instant });
  await expect(client.request('POST', '/Users/.export', { body: {}, retry: false })).rejects.toMatchObject({
    status: undefined,
    message: 'POST http://nowhere/scim/v2/Users/.export: the server could not be reached (ECONNREFUSED)',
  });
  expect(seen).toHaveLength(1);
});

it('gives up on an overloaded server after its attempts, with the last answer', async () => {
  const { fetch, seen } = scriptedFetch([json(503, { detail: 'busy' }), json(503, { detail: 'busy' }), json(503, { detail: 'still busy' })]);
  const client = createScimClient('http://target/scim/v2', 'a-token', { fetch, sleep: instant, attempts: 3 });
  await expect(client.request('GET', '/Users')).rejects.toMatchObject({ status: 503, message: 'GET http://target/scim/v2/Users answered 503: still busy' });
  expect(seen).toHaveLength(3);
});
