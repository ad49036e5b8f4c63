// Identity-provider request sequences (test/idp/entra, test/idp/okta, written from the vendors' documentation: see
// test/idp/README.md) and how to replay one: each file is one sequence, in the order and shape the IdP sends it;
// `{{name}}` in a path, header or body is replaced by a value captured from an earlier response
// (`capture: { name: "Resources/0/id" }`). Every answer with a body is also checked for its SCIM shape (scim-shape.ts).
// Used by test/idp/replay.test.ts (through the app in process) and test/guides/guides.test.ts (over HTTP against a
// running server, as a guide sets it up).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { scimShapeProblems } from './scim-shape';

export interface Step {
  readonly name: string;
  /** Where the request (and, when it says so, the response) comes from, when it is a vendor's documented example. */
  readonly source?: string;
  readonly request: { readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; readonly path: string; readonly headers?: Record<string, string>; readonly body?: unknown };
  readonly response: {
    readonly status: number;
    /** Partial expected body (toMatchObject). */
    readonly body?: unknown;
    /** Paths (segments joined by '/') that must be absent from the body. */
    readonly absent?: readonly string[];
    /** Arrays compared without regard to order (e.g. group members): path -> exactly these items, partially matched. */
    readonly unordered?: Readonly<Record<string, readonly object[]>>;
    readonly capture?: Readonly<Record<string, string>>;
  };
}

export interface Sequence {
  readonly description: string;
  readonly profile: 'standard' | 'entra';
  readonly steps: readonly Step[];
}

export const IDPS = ['entra', 'okta'] as const;
export type Idp = (typeof IDPS)[number];

const IDP_DIR = join(__dirname, '..', 'idp');

/** Every sequence of the identity providers, as [`<idp>/<file>`, sequence], in file order. */
export function idpSequences(idps: readonly Idp[] = IDPS): (readonly [string, Sequence])[] {
  return idps.flatMap((idp) =>
    readdirSync(join(IDP_DIR, idp))
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => [`${idp}/${file}`, JSON.parse(readFileSync(join(IDP_DIR, idp, file), 'utf8')) as Sequence] as const),
  );
}

function substitute<T>(value: T, variables: ReadonlyMap<string, unknown>): T {
  const text = JSON.stringify(value).replace(/\{\{(\w+)\}\}/g, (_match, name: string) => {
    if (!variables.has(name)) throw new Error(`{{${name}}} was not captured by an earlier step`);
    return String(variables.get(name));
  });
  return JSON.parse(text) as T;
}

function at(body: unknown, path: string): unknown {
  return path.split('/').reduce<unknown>((value, key) => (value === null || value === undefined ? undefined : (value as Record<string, unknown>)[key]), body);
}

const CORE_SCHEMA_PREFIX = 'urn:ietf:params:scim:schemas:core:2.0:';

/**
 * The expected body with each resource's `schemas` read as "at least these": a documented response lists the schemas
 * of the vendor's own server, and this server adds its own User extension (README "Account lifecycle"), which an
 * identity provider ignores like any extension it does not map. Whether `schemas` is exactly what the resource holds
 * is checked for every answer by scim-shape.ts; message schemas (ListResponse, Error…) stay exact.
 */
function resourceSchemasAtLeast(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resourceSchemasAtLeast);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      const isResourceSchemas = key === 'schemas' && Array.isArray(item) && typeof item[0] === 'string' && item[0].startsWith(CORE_SCHEMA_PREFIX);
      return [key, isResourceSchemas ? expect.arrayContaining(item as string[]) : resourceSchemasAtLeast(item)];
    }),
  );
}

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

/** Sends one request of a sequence: path relative to the SCIM base, JSON body or none. */
export type Send = (method: Step['request']['method'], path: string, headers: Record<string, string>, body: unknown) => Promise<Answer>;

const registry = loadBuiltinRegistry();

/** Replays every step in order and checks each answer as the step expects; throws (a jest failure) at the first mismatch. */
export async function replaySequence(sequence: Sequence, send: Send): Promise<void> {
  const variables = new Map<string, unknown>();
  for (const step of sequence.steps) {
    const { method, path, headers = {}, body } = substitute(step.request, variables);
    const res = await send(method, path, headers, body);
    const context = `step "${step.name}": ${method} ${path} -> ${res.status} ${res.text}`;
    expect({ step: step.name, status: res.status }).toEqual({ step: step.name, status: step.response.status });
    // Whatever the step expects, a body must be well-formed SCIM: the right `schemas`, no undeclared fields.
    if (res.text !== '') expect({ step: step.name, problems: scimShapeProblems(registry, res.body) }).toEqual({ step: step.name, problems: [] });
    if (step.response.body !== undefined) {
      try {
        expect(res.body).toMatchObject(resourceSchemasAtLeast(substitute(step.response.body, variables)) as object);
      } catch (error) {
        throw new Error(`${context}\n${(error as Error).message}`, { cause: error });
      }
    }
    for (const [path, items] of Object.entries(substitute(step.response.unordered ?? {}, variables))) {
      const actual = at(res.body, path);
      expect({ step: step.name, [path]: actual }).toEqual({ step: step.name, [path]: expect.arrayContaining(items.map((item) => expect.objectContaining(item))) });
      expect({ step: step.name, [path]: (actual as unknown[]).length }).toEqual({ step: step.name, [path]: items.length });
    }
    for (const absent of step.response.absent ?? []) expect({ step: step.name, [absent]: at(res.body, absent) }).toEqual({ step: step.name, [absent]: undefined });
    for (const [name, path] of Object.entries(step.response.capture ?? {})) {
      const value = at(res.body, path);
      if (value === undefined) throw new Error(`${context}\ncapture ${name}: nothing at ${path}`);
      variables.set(name, value);
    }
  }
}
