// A minimal SCIM HTTP client on Node's fetch: every response is read whole and its JSON body parsed when there is
// one, so that checks can assert on status, headers and body alike.
'use strict';
/* global fetch -- Node 20 provides fetch */

const SCIM_JSON = 'application/scim+json';

/**
 * @typedef {{ status: number, headers: Headers, text: string, body: any, method: string, url: string }} ScimResponse
 * @typedef {{ body?: unknown, rawBody?: string, headers?: Record<string, string>, token?: string | null, query?: Record<string, string> }} RequestOptions
 */

/** @param {string} baseUrl e.g. http://127.0.0.1:8080/scim/v2 @param {string} token */
function createClient(baseUrl, token) {
  /**
   * @param {string} method @param {string} path relative to the base URL ('/Users') @param {RequestOptions} [options]
   * @returns {Promise<ScimResponse>}
   */
  async function request(method, path, options = {}) {
    const url = new URL(baseUrl + path);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    /** @type {Record<string, string>} */
    const headers = { Accept: SCIM_JSON, ...(options.headers ?? {}) };
    const bearer = options.token === undefined ? token : options.token;
    if (bearer !== null && headers.Authorization === undefined) headers.Authorization = `Bearer ${bearer}`;
    let body;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && headers['Content-Type'] === undefined) headers['Content-Type'] = SCIM_JSON;
    const response = await fetch(url, { method, headers, body, redirect: 'manual' });
    const text = await response.text();
    let parsed;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed, method, url: url.toString() };
  }

  return {
    baseUrl,
    request,
    get: (path, options) => request('GET', path, options),
    post: (path, body, options = {}) => request('POST', path, { ...options, body }),
    put: (path, body, options = {}) => request('PUT', path, { ...options, body }),
    patch: (path, body, options = {}) => request('PATCH', path, { ...options, body }),
    delete: (path, options) => request('DELETE', path, options),
  };
}

module.exports = { createClient, SCIM_JSON };
