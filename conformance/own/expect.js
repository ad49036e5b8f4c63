// Assertions for the black-box checks. A failure names the request, what the RFC expects and what came back.
'use strict';

const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

class CheckFailure extends Error {}

/** Thrown by a check that finds the server does not offer what it needs (not a failure). */
class CheckSkipped extends Error {}

function excerpt(res) {
  const text = res.text.length > 300 ? `${res.text.slice(0, 300)}…` : res.text;
  return `${res.method} ${res.url} -> ${res.status} ${text}`;
}

/** @param {unknown} condition @param {string} message */
function ensure(condition, message) {
  if (!condition) throw new CheckFailure(message);
}

/** @param {import('./client').ScimResponse} res @param {number[]} statuses */
function expectStatus(res, ...statuses) {
  if (!statuses.includes(res.status)) throw new CheckFailure(`expected HTTP ${statuses.join(' or ')}, got: ${excerpt(res)}`);
  return res;
}

/**
 * RFC 7644 §3.12: an error body has the Error schema, "status" as a string, and a scimType where one applies.
 * @param {import('./client').ScimResponse} res @param {number} status @param {string} [scimType]
 */
function expectScimError(res, status, scimType) {
  expectStatus(res, status);
  const body = res.body;
  ensure(body && Array.isArray(body.schemas) && body.schemas.includes(ERROR_URN), `expected an error body with schema ${ERROR_URN}, got: ${excerpt(res)}`);
  ensure(body.status === String(status), `expected "status": "${status}" (a JSON string), got ${JSON.stringify(body.status)}: ${excerpt(res)}`);
  if (scimType !== undefined) ensure(body.scimType === scimType, `expected "scimType": "${scimType}", got ${JSON.stringify(body.scimType)}: ${excerpt(res)}`);
  return body;
}

/**
 * RFC 7644 §3.4.2: a query answer is a ListResponse with totalResults and (when non-empty) Resources. RFC 9865
 * lets a cursor page leave totalResults out (`totalResultsOptional`).
 */
function expectList(res, { totalResultsOptional = false } = {}) {
  expectStatus(res, 200);
  const body = res.body;
  ensure(body && Array.isArray(body.schemas) && body.schemas.includes(LIST_URN), `expected a ListResponse (${LIST_URN}), got: ${excerpt(res)}`);
  if (!(totalResultsOptional && body.totalResults === undefined)) {
    ensure(Number.isInteger(body.totalResults), `expected an integer totalResults, got: ${excerpt(res)}`);
  }
  return { ...body, Resources: Array.isArray(body.Resources) ? body.Resources : [] };
}

/** JSON with object keys sorted: member order in a JSON object carries no meaning (RFC 8259 §4). */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** @param {unknown} actual @param {unknown} expected @param {string} what */
function expectEqual(actual, expected, what) {
  ensure(canonical(actual) === canonical(expected), `${what}: expected ${canonical(expected)}, got ${canonical(actual)}`);
}

module.exports = { CheckFailure, CheckSkipped, ensure, expectStatus, expectScimError, expectList, expectEqual, excerpt, ERROR_URN, LIST_URN };
