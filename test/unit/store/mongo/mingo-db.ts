// An in-memory stand-in for the part of the driver's Db/Collection API the MongoDB store uses, with queries,
// aggregations and updates evaluated by mingo (MongoDB's query language in JavaScript) and unique indexes enforced as
// MongoDB enforces them (multikey, partial, E11000 naming the index). It lets the store's own logic (conditional
// writes, duplicate-key mapping, keyset conditions, the sort pipeline, membership upserts) run the store contract
// where no MongoDB server exists. It is not a database: no durability, no concurrency beyond the event loop's.
// It also carries what the driver's GridFSBucket calls on its two collections (listIndexes, createIndex, cursors with
// sort / next / close), and keeps binary values (Uint8Array, bson Binary) and ObjectIds as they are, so that the
// blob store runs on the real GridFS code of the driver.
import { aggregate, find, Query, update } from 'mingo';
import { MongoBulkWriteError, MongoServerError, type BulkWriteResult, type Db, type WriteError } from 'mongodb';

type Doc = Record<string, unknown>;

interface IndexDefinition {
  readonly name: string;
  readonly key: Record<string, unknown>;
  readonly unique?: boolean;
  readonly partialFilterExpression?: Doc;
}

interface FindOptions {
  readonly projection?: Doc;
  readonly sort?: Doc;
  readonly skip?: number;
  readonly limit?: number;
}

/**
 * A deep copy with what a round trip through BSON keeps: plain objects and arrays are copied (undefined members
 * dropped, as the driver's serialisation does), dates and byte arrays are copied, and other class instances (ObjectId,
 * Binary) are kept as they are: they are never changed in place.
 */
function clone<T>(value: T): T {
  return copyValue(value) as T;
}

function copyValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Uint8Array) return Uint8Array.prototype.slice.call(value);
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : copyValue(item)));
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .map(([key, inner]) => [key, copyValue(inner)]),
  );
}

/** Failures to inject: the next calls of the named operation throw the given error. */
export interface MingoDbControls {
  failNext(operation: string, error: Error, times?: number): void;
  /** The `n`-th call from now, of any operation, throws `error`: cuts a store call of several steps off between two. */
  failCall(n: number, error: Error): void;
  /**
   * Holds the next call of the named (asynchronous) operation until `release()`, so that other calls land while it
   * waits; `reached` resolves once it is held.
   */
  holdNext(operation: string): { readonly reached: Promise<void>; release(): void };
  readonly calls: string[];
}

export function createMingoDb(): { db: Db; controls: MingoDbControls; collections: Map<string, MingoCollection> } {
  const collections = new Map<string, MingoCollection>();
  const failures = new Map<string, { error: Error; times: number }>();
  const calls: string[] = [];
  let failingCall: { countdown: number; error: Error } | undefined;
  const holds = new Map<string, { reached: () => void; released: Promise<void> }>();
  const gate = async (operation: string) => {
    const hold = holds.get(operation);
    if (!hold) return;
    holds.delete(operation);
    hold.reached();
    await hold.released;
  };
  const check = (operation: string) => {
    calls.push(operation);
    if (failingCall && --failingCall.countdown <= 0) {
      const { error } = failingCall;
      failingCall = undefined;
      throw error;
    }
    const failure = failures.get(operation);
    if (!failure) return;
    failure.times -= 1;
    if (failure.times <= 0) failures.delete(operation);
    throw failure.error;
  };
  const db = {
    collection(name: string) {
      let collection = collections.get(name);
      if (!collection) {
        collection = new MingoCollection(name, check, gate);
        collections.set(name, collection);
      }
      return collection;
    },
    /** Like MongoDB, lists only collections that exist: written to, or given an index. */
    listCollections(filter: { name?: string | { $in: string[] } } = {}) {
      check('listCollections');
      const wanted = (name: string) =>
        filter.name === undefined || (typeof filter.name === 'string' ? filter.name === name : filter.name.$in.includes(name));
      return new MingoCursor(() =>
        [...collections.values()]
          .filter((collection) => (collection.documents.length > 0 || collection.indexes.size > 1) && wanted(collection.name))
          .map((collection) => ({ name: collection.name, type: 'collection' })),
      );
    },
    async command(command: Doc) {
      check('command');
      if (command.ping === 1) return { ok: 1 };
      throw new Error(`unsupported command ${Object.keys(command)[0]}`);
    },
  };
  return {
    db: db as unknown as Db,
    collections,
    controls: {
      failNext(operation, error, times = 1) {
        failures.set(operation, { error, times });
      },
      failCall(n, error) {
        failingCall = { countdown: n, error };
      },
      holdNext(operation) {
        let reached!: () => void;
        let release!: () => void;
        const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
        holds.set(operation, { reached, released: new Promise<void>((resolve) => (release = resolve)) });
        return { reached: reachedPromise, release };
      },
      calls,
    },
  };
}

class MingoCursor {
  private sortSpec?: Doc;
  private limitCount = 0;
  private buffered?: Doc[];
  constructor(private readonly load: (sort?: Doc) => Doc[]) {}
  /** Applies before the first read, as the driver's FindCursor.sort does. */
  sort(sort: Doc): this {
    this.sortSpec = sort;
    return this;
  }
  limit(count: number): this {
    this.limitCount = count;
    return this;
  }
  private documents(): Doc[] {
    const documents = this.load(this.sortSpec);
    return this.limitCount > 0 ? documents.slice(0, this.limitCount) : documents;
  }
  withReadPreference(): this {
    return this;
  }
  async toArray(): Promise<Doc[]> {
    return this.documents();
  }
  async next(): Promise<Doc | null> {
    this.buffered ??= this.documents();
    return this.buffered.shift() ?? null;
  }
  async close(): Promise<void> {
    this.buffered = [];
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<Doc> {
    for (const document of this.documents()) yield document;
  }
}

export class MingoCollection {
  readonly documents: Doc[] = [];
  readonly indexes = new Map<string, IndexDefinition>([['_id_', { name: '_id_', key: { _id: 1 }, unique: true }]]);
  /** Per unique index: key text -> the document holding it (how the fake finds a duplicate, or a document by key). */
  private readonly uniqueKeys = new Map<string, Map<string, Doc>>([['_id_', new Map()]]);
  private nextId = 1;

  constructor(
    readonly name: string,
    private readonly check: (operation: string) => void,
    private readonly gate: (operation: string) => Promise<void> = async () => undefined,
  ) {}

  async createIndexes(specs: IndexDefinition[]): Promise<string[]> {
    this.check('createIndexes');
    for (const spec of specs) {
      const existing = this.indexes.get(spec.name);
      if (existing && JSON.stringify(existing) !== JSON.stringify(spec)) {
        throw new MongoServerError({ message: `An existing index has the same name as the requested index: ${spec.name}`, code: 85 });
      }
      if (existing) continue;
      this.indexes.set(spec.name, clone(spec));
      if (spec.unique) {
        const keys = new Map<string, Doc>();
        for (const document of this.documents) {
          for (const key of this.keysOf(spec, document)) {
            if (keys.has(key)) throw duplicateKey(this.name, spec);
            keys.set(key, document);
          }
        }
        this.uniqueKeys.set(spec.name, keys);
      }
    }
    return specs.map((spec) => spec.name);
  }

  /** The driver's single-index form (GridFS uses it); the name is MongoDB's default, `<field>_<direction>_…`. */
  async createIndex(key: Record<string, unknown>, options: { unique?: boolean } = {}) {
    const name = Object.entries(key)
      .map(([field, direction]) => `${field}_${String(direction)}`)
      .join('_');
    await this.createIndexes([{ name, key, ...(options.unique ? { unique: true } : {}) }]);
    return name;
  }

  listIndexes() {
    this.check('listIndexes');
    return new MingoCursor(() => [...this.indexes.values()].map((index) => clone({ ...index })));
  }

  async insertOne(document: Doc) {
    this.check('insertOne');
    await this.gate('insertOne');
    return { acknowledged: true, insertedId: this.insert(document) };
  }

  async findOne(query: Doc, options: FindOptions = {}) {
    this.check('findOne');
    await this.gate('findOne');
    return this.select(query, { ...options, limit: 1 })[0] ?? null;
  }

  find(query: Doc, options: FindOptions = {}) {
    this.check('find');
    return new MingoCursor((sort) => this.select(query, sort ? { ...options, sort } : options));
  }

  aggregate(pipeline: Doc[]) {
    this.check('aggregate');
    return new MingoCursor(() => clone(aggregate(clone(this.documents), pipeline) as Doc[]));
  }

  async countDocuments(query: Doc, options: { limit?: number } = {}) {
    this.check('countDocuments');
    await this.gate('countDocuments');
    const count = this.matching(query).length;
    return options.limit ? Math.min(count, options.limit) : count;
  }

  async findOneAndUpdate(query: Doc, modifier: Doc | Doc[], options: { returnDocument?: 'before' | 'after'; projection?: Doc; sort?: Doc; upsert?: boolean } = {}) {
    this.check('findOneAndUpdate');
    await this.gate('findOneAndUpdate');
    // With a sort, the first matching document in that order (as MongoDB picks it); else any match.
    const [target] = options.sort ? this.sorted(this.matching(query), options.sort) : this.matching(query);
    if (!target && options.upsert) {
      const inserted = this.upsertDocument(query, modifier);
      const shown = options.returnDocument === 'after' ? inserted : null;
      return shown && options.projection ? (find([shown], {}, options.projection).all()[0] as Doc) : clone(shown);
    }
    if (!target) return null;
    const before = clone(target);
    this.apply(target, modifier);
    const shown = options.returnDocument === 'after' ? target : before;
    return options.projection ? (find([shown], {}, options.projection).all()[0] as Doc) : clone(shown);
  }

  async updateOne(query: Doc, modifier: Doc | Doc[], options: { upsert?: boolean } = {}) {
    this.check('updateOne');
    await this.gate('updateOne');
    return this.updateOneSync(query, modifier, options);
  }

  async updateMany(query: Doc, modifier: Doc | Doc[]) {
    this.check('updateMany');
    await this.gate('updateMany');
    // Document by document, each re-checked against the filter at its write, as MongoDB applies an updateMany.
    let matchedCount = 0;
    for (const target of this.matching(query)) {
      if (!new Query(query).test(target)) continue;
      this.apply(target, modifier);
      matchedCount += 1;
    }
    return { acknowledged: true, matchedCount, modifiedCount: matchedCount, upsertedCount: 0 };
  }

  async deleteOne(query: Doc) {
    this.check('deleteOne');
    await this.gate('deleteOne');
    const [target] = this.matching(query);
    if (!target) return { acknowledged: true, deletedCount: 0 };
    this.forget(target);
    this.documents.splice(this.documents.indexOf(target), 1);
    return { acknowledged: true, deletedCount: 1 };
  }

  async findOneAndDelete(query: Doc, options: { projection?: Doc } = {}) {
    this.check('findOneAndDelete');
    const [target] = this.matching(query);
    if (!target) return null;
    this.forget(target);
    this.documents.splice(this.documents.indexOf(target), 1);
    return options.projection ? (find([target], {}, options.projection).all()[0] as Doc) : clone(target);
  }

  async deleteMany(query: Doc) {
    this.check('deleteMany');
    await this.gate('deleteMany');
    const targets = new Set(this.matching(query));
    const before = this.documents.length;
    for (const target of targets) this.forget(target);
    const kept = this.documents.filter((document) => !targets.has(document));
    this.documents.splice(0, this.documents.length, ...kept);
    return { acknowledged: true, deletedCount: before - kept.length };
  }

  async bulkWrite(operations: Doc[], options: { ordered?: boolean } = {}) {
    this.check('bulkWrite');
    await this.gate('bulkWrite');
    const ordered = options.ordered ?? true;
    const writeErrors: WriteError[] = [];
    let insertedCount = 0;
    let upsertedCount = 0;
    let matchedCount = 0;
    let modifiedCount = 0;
    for (const [index, operation] of operations.entries()) {
      try {
        if (operation.insertOne) {
          this.insert((operation.insertOne as { document: Doc }).document);
          insertedCount += 1;
        } else if (operation.updateOne) {
          const { filter, update: modifier, upsert } = operation.updateOne as { filter: Doc; update: Doc; upsert?: boolean };
          const result = this.updateOneSync(filter, modifier, { upsert });
          upsertedCount += result.upsertedCount;
          matchedCount += result.matchedCount;
          modifiedCount += result.modifiedCount;
        } else {
          throw new Error(`unsupported bulk operation ${Object.keys(operation)[0]}`);
        }
      } catch (error) {
        if (!(error instanceof MongoServerError)) throw error;
        writeErrors.push(writeError({ index, code: error.code as number, errmsg: error.message, op: operation, keyPattern: error.keyPattern }));
        if (ordered) break;
      }
    }
    const result = { insertedCount, upsertedCount, matchedCount, modifiedCount, deletedCount: 0 };
    if (writeErrors.length > 0) {
      throw new MongoBulkWriteError({ message: writeErrors[0].errmsg ?? 'write error', code: writeErrors[0].code, writeErrors }, result as unknown as BulkWriteResult);
    }
    return result;
  }

  private updateOneSync(query: Doc, modifier: Doc | Doc[], options: { upsert?: boolean }) {
    const [target] = this.matching(query);
    if (target) {
      // As MongoDB reports it: a matched document the update leaves as it was is not modified ($setOnInsert alone).
      const modifiedCount = this.apply(target, modifier) ? 1 : 0;
      return { acknowledged: true, matchedCount: 1, modifiedCount, upsertedCount: 0 };
    }
    if (!options.upsert) return { acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
    this.upsertDocument(query, modifier);
    return { acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 1 };
  }

  /** An upsert's insert: the equality fields of the query and $setOnInsert, then the other operators ($set, $inc…). */
  private upsertDocument(query: Doc, modifier: Doc | Doc[]): Doc {
    if (Array.isArray(modifier)) throw new Error('the stand-in does not upsert with a pipeline update');
    const seed = Object.fromEntries(Object.entries(query).filter(([key, value]) => !key.startsWith('$') && (typeof value !== 'object' || value === null)));
    const { $setOnInsert: onInsert, ...rest } = modifier;
    const document: Doc = { ...seed, ...((onInsert as Doc | undefined) ?? {}) };
    update(document, rest as never);
    const id = this.insert(document);
    return this.documents.find((stored) => stored._id === id) as Doc;
  }

  /**
   * Applies an update to a stored document in place, saying whether it changed: update operators, or (an array) an
   * aggregation pipeline of $set/$unset/... stages as MongoDB 4.2+ runs it. A unique index violation undoes it (E11000).
   */
  private apply(target: Doc, modifier: Doc | Doc[]): boolean {
    const before = clone(target);
    this.forget(target);
    if (Array.isArray(modifier)) {
      const [result] = aggregate([clone(target)], modifier) as Doc[];
      Object.keys(target).forEach((key) => delete target[key]);
      Object.assign(target, result);
    } else {
      const { $setOnInsert: _ignored, ...rest } = modifier;
      update(target, rest as never);
    }
    const clash = this.clash(target);
    if (clash) {
      Object.keys(target).forEach((key) => delete target[key]);
      Object.assign(target, before);
      this.remember(target);
      throw clash;
    }
    this.remember(target);
    return JSON.stringify(target) !== JSON.stringify(before);
  }

  private insert(document: Doc): unknown {
    const stored = clone(document);
    stored._id ??= `fake-${this.name}-${this.nextId++}`;
    const clash = this.clash(stored);
    if (clash) throw clash;
    this.documents.push(stored);
    this.remember(stored);
    return stored._id;
  }

  private uniqueIndexes(): IndexDefinition[] {
    return [...this.indexes.values()].filter((index) => index.unique);
  }

  private keysOf(index: IndexDefinition, document: Doc): string[] {
    return this.indexed(index, document) ? indexKeys(index, document) : [];
  }

  /** The E11000 a unique index raises for `candidate` (not itself in the key maps), or undefined. */
  private clash(candidate: Doc): MongoServerError | undefined {
    for (const index of this.uniqueIndexes()) {
      const keys = this.uniqueKeys.get(index.name)!;
      if (this.keysOf(index, candidate).some((key) => keys.has(key))) return duplicateKey(this.name, index);
    }
    return undefined;
  }

  private remember(document: Doc) {
    for (const index of this.uniqueIndexes()) for (const key of this.keysOf(index, document)) this.uniqueKeys.get(index.name)!.set(key, document);
  }

  private forget(document: Doc) {
    for (const index of this.uniqueIndexes()) for (const key of this.keysOf(index, document)) this.uniqueKeys.get(index.name)!.delete(key);
  }

  private indexed(index: IndexDefinition, document: Doc): boolean {
    return !index.partialFilterExpression || new Query(index.partialFilterExpression).test(document);
  }

  private matching(query: Doc): Doc[] {
    const test = new Query(query);
    // A query naming every field of a unique index by equality reads that index, as MongoDB would.
    for (const index of this.uniqueIndexes()) {
      if (index.partialFilterExpression) continue;
      const fields = Object.keys(index.key);
      if (!fields.every((field) => isScalar(query[field]))) continue;
      const found = this.uniqueKeys.get(index.name)!.get(JSON.stringify(fields.map((field) => query[field])));
      return found && test.test(found) ? [found] : [];
    }
    return this.documents.filter((document) => test.test(document));
  }

  /** The stored documents themselves (mingo's find without a projection hands back the same objects), sorted. */
  private sorted(documents: Doc[], sort: Doc): Doc[] {
    return find(documents, {}).sort(sort as never).all() as Doc[];
  }

  private select(query: Doc, options: FindOptions): Doc[] {
    let cursor = find(this.documents, query, options.projection);
    if (options.sort) cursor = cursor.sort(options.sort as never);
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit) cursor = cursor.limit(options.limit);
    return clone(cursor.all() as Doc[]);
  }
}

/** The driver's WriteError (a class it does not export at run time): the raw server entry under `err`. */
function writeError(err: { index: number; code: number; errmsg: string; op: Doc; keyPattern?: unknown }): WriteError {
  return {
    err,
    get code() {
      return err.code;
    },
    get index() {
      return err.index;
    },
    get errmsg() {
      return err.errmsg;
    },
    get errInfo() {
      return undefined;
    },
    getOperation: () => err.op,
  } as unknown as WriteError;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function duplicateKey(collection: string, index: IndexDefinition): MongoServerError {
  return new MongoServerError({
    message: `E11000 duplicate key error collection: test.${collection} index: ${index.name} dup key: { ... }`,
    code: 11000,
    keyPattern: index.key,
  });
}

/** The keys a (possibly multikey) index holds for a document, as text. A missing field is indexed as null. */
function indexKeys(index: IndexDefinition, document: Doc): string[] {
  let tuples: unknown[][] = [[]];
  for (const path of Object.keys(index.key)) {
    const values = valuesAt(document, path);
    tuples = tuples.flatMap((tuple) => values.map((value) => [...tuple, value]));
  }
  return tuples.map((tuple) => JSON.stringify(tuple));
}

function valuesAt(document: Doc, path: string): unknown[] {
  let current: unknown = document;
  for (const part of path.split('.')) {
    current = typeof current === 'object' && current !== null && !Array.isArray(current) ? (current as Doc)[part] : undefined;
  }
  if (Array.isArray(current)) return current.length === 0 ? [null] : [...new Set(current.map((value) => JSON.stringify(value)))].map((text) => JSON.parse(text));
  return [current ?? null];
}
