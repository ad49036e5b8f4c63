// POST /Bulk (RFC 7644 §3.7) on the one generic resource service: every operation goes through exactly the
// service call of its single-request counterpart (validation, uniqueness, mutability, If-Match, tenant scope), and
// Bulk adds only what is its own: bulkId references and ordering, failOnErrors, per-operation results, and batching
// of consecutive creates into one store write.
//
// Audit: the request is one BULK_REQUEST operation (recorded by the HTTP layer), and each of its operations is one
// more, recorded exactly as its single-request counterpart would be (USER_CREATE_*, GROUP_UPDATE_*…), with its
// position and bulkId: an operation refused before it ran (malformed, an unresolved bulkId) records a FAIL too.
import type { RequestContext } from '../../auth/request-context';
import { auditDeclaration, resourceEventName, type AuditDeclaration } from '../../extensions/audit/audit-event';
import type { OperationAudit } from '../../extensions/audit/operation-audit';
import { ScimError, scimErrors } from '../../scim/errors';
import { versionToETag } from '../../scim/etag';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { URN } from '../../scim/urns';
import type { StoredResource } from '../../store/resource-store';
import { resourceLocation } from '../represent';
import type { ResourceService, WriteConditions } from '../resource-service';
import { BulkMethod, isInvalid, type BulkOperation, type BulkOperationResult, type BulkResponseBody, type ValidBulkOperation } from './bulk-operation';
import { planBulk, type BulkPlan } from './bulk-plan';
import { referenceIn, substituteReferences, withoutReferences } from './bulk-references';
import { parseBulkRequest } from './parse-bulk-request';

/** What Bulk needs of the resource service: the calls of the single requests, and the batched create. */
export type BulkResourceService = Pick<ResourceService, 'createMany' | 'replace' | 'delete'> & {
  patch(context: RequestContext, type: ValidBulkOperation['type'], id: string, body: unknown, conditions?: WriteConditions): Promise<{ resource: StoredResource; changed: boolean }>;
};

export interface BulkServiceDeps {
  readonly service: BulkResourceService;
  readonly registry: SchemaRegistry;
  /** RFC 7644 §3.7.4 maxOperations, as advertised in /ServiceProviderConfig. */
  readonly maxOperations: number;
  /** Most creates written in one store batch. */
  readonly batchSize?: number;
}

export interface BulkOptions {
  /** Absolute SCIM base URL, for the `location` of each result. */
  readonly baseUrl: string;
  /** Told about an unexpected (non-SCIM) error before it is answered as a 500 in its operation's result. */
  readonly onInternalError?: (error: unknown) => void;
}

export interface BulkService {
  /** Runs a BulkRequest for the context's tenant; throws a ScimError only when the request as a whole is refused. */
  process(context: RequestContext, body: unknown, options: BulkOptions): Promise<BulkResponseBody>;
}

export const DEFAULT_BULK_BATCH_SIZE = 500;
const NOTHING_DEFERRED: ReadonlySet<string> = new Set();

const ACTION_OF: Readonly<Record<BulkMethod, string>> = { POST: 'CREATE', PUT: 'UPDATE', PATCH: 'UPDATE', DELETE: 'DELETE' };
/** An operation too malformed to name its resource type or method. */
const MALFORMED_OPERATION = auditDeclaration('BULK', 'OPERATION');

/** The audit events of one Bulk operation: those of its single-request counterpart. */
export function bulkOperationDeclaration(operation: BulkOperation, action?: string): AuditDeclaration {
  if (isInvalid(operation) || operation.method === undefined) return MALFORMED_OPERATION;
  return auditDeclaration(resourceEventName(operation.type.name), action ?? ACTION_OF[operation.method]);
}

export function createBulkService(deps: BulkServiceDeps): BulkService {
  const batchSize = deps.batchSize ?? DEFAULT_BULK_BATCH_SIZE;
  return {
    async process(context, body, options) {
      const request = parseBulkRequest(deps.registry, body, { maxOperations: deps.maxOperations });
      const run = new BulkRun(deps.service, context, request.operations, request.failOnErrors, options, batchSize);
      await run.execute();
      return { schemas: [URN.message.bulkResponse], Operations: run.results() };
    },
  };
}

interface PendingCreate {
  readonly operation: ValidBulkOperation;
  readonly data: unknown;
}

/** The state of one BulkRequest while it runs. */
class BulkRun {
  private readonly plan: BulkPlan;
  private readonly outcomes: (BulkOperationResult | undefined)[];
  /** The resources created by POST operations, by operation index. */
  private readonly created = new Map<number, StoredResource>();
  private batch: PendingCreate[] = [];
  private readonly batchIndexes = new Set<number>();
  private errors = 0;
  private stopped = false;
  /** Each operation's audit record, by operation index. */
  private readonly audits = new Map<number, OperationAudit>();

  constructor(
    private readonly service: BulkResourceService,
    private readonly context: RequestContext,
    private readonly operations: readonly BulkOperation[],
    private readonly failOnErrors: number | undefined,
    private readonly options: BulkOptions,
    private readonly batchSize: number,
  ) {
    this.plan = planBulk(operations);
    this.outcomes = new Array<BulkOperationResult | undefined>(operations.length);
  }

  /** The results in request order; operations not attempted (failOnErrors reached) are absent (RFC 7644 §3.7.3). */
  results(): BulkOperationResult[] {
    return this.outcomes.filter((result): result is BulkOperationResult => result !== undefined);
  }

  async execute(): Promise<void> {
    for (const step of this.plan.steps) {
      if (this.stopped) break;
      const operation = this.operations[step.index];
      if (step.kind === 'run' && !isInvalid(operation) && operation.method === BulkMethod.post) {
        await this.queueCreate(operation, step.deferred);
        continue;
      }
      await this.flush();
      if (this.stopped) break;
      if (step.kind === 'fail') this.fail(operation, step.error, this.targetLocation(operation));
      else if (isInvalid(operation)) this.fail(operation, operation.error);
      else if (step.kind === 'run') await this.runSingle(operation);
      else await this.complete(operation);
    }
    await this.flush();
  }

  /** Consecutive creates of one type share a store batch, unless one refers to a resource still in the batch. */
  private async queueCreate(operation: ValidBulkOperation, deferred: ReadonlySet<string>): Promise<void> {
    const first = this.batch[0];
    if (
      first &&
      (first.operation.type !== operation.type ||
        this.batch.length >= this.batchLimit() ||
        operation.references.some((bulkId) => this.batchIndexes.has(this.plan.definitions.get(bulkId) ?? -1)))
    ) {
      await this.flush();
    }
    if (this.stopped) return;
    const missing = this.unresolved(operation, deferred);
    if (missing !== undefined) {
      await this.flush();
      if (!this.stopped) this.fail(operation, missing);
      return;
    }
    const data = operation.data ?? {};
    const stripped = deferred.size > 0 ? withoutReferences(data, deferred) : data;
    this.batch.push({ operation, data: this.resolved(operation, stripped) });
    this.batchIndexes.add(operation.index);
  }

  /**
   * A batch never holds more creates than the errors failOnErrors still accepts, so that the batch can reach the
   * limit only with its last item and nothing after the limit is attempted.
   */
  private batchLimit(): number {
    return this.failOnErrors === undefined ? this.batchSize : Math.max(1, Math.min(this.batchSize, this.failOnErrors - this.errors));
  }

  private async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const items = this.batch;
    this.batch = [];
    this.batchIndexes.clear();
    let outcomes: Array<StoredResource | ScimError>;
    try {
      const itemContexts = items.map((item) => this.contextFor(item.operation));
      outcomes = await this.service.createMany(this.context, items[0].operation.type, items.map((item) => item.data), itemContexts);
    } catch (error) {
      const failure = this.asScimError(error);
      outcomes = items.map(() => failure);
    }
    items.forEach(({ operation }, position) => {
      const outcome = outcomes[position];
      if (outcome instanceof ScimError) {
        this.fail(operation, outcome);
        return;
      }
      this.created.set(operation.index, outcome);
      this.succeed(operation, 201, this.location(operation, outcome.id), outcome);
    });
  }

  private async runSingle(operation: ValidBulkOperation): Promise<void> {
    const missing = this.unresolved(operation, NOTHING_DEFERRED);
    if (missing !== undefined) {
      this.fail(operation, missing, this.targetLocation(operation));
      return;
    }
    const id = this.targetId(operation) as string;
    const location = this.location(operation, id);
    const conditions: WriteConditions = operation.ifMatch === undefined ? {} : { ifMatch: operation.ifMatch };
    const data = operation.data === undefined ? undefined : this.resolved(operation, operation.data);
    const context = this.contextFor(operation);
    try {
      switch (operation.method) {
        case BulkMethod.put:
          this.succeed(operation, 200, location, await this.service.replace(context, operation.type, id, data, conditions));
          break;
        case BulkMethod.patch:
          this.succeed(operation, 200, location, (await this.service.patch(context, operation.type, id, data, conditions)).resource);
          break;
        case BulkMethod.delete:
          await this.service.delete(context, operation.type, id, conditions);
          this.succeed(operation, 204, location);
          break;
        case BulkMethod.post:
          // Creates always go through the batch (queueCreate).
          break;
      }
    } catch (error) {
      this.fail(operation, error, location);
    }
  }

  /** RFC 7644 §3.7.1: the second half of a circular reference: write in the references the create left out. */
  private async complete(operation: ValidBulkOperation): Promise<void> {
    const created = this.created.get(operation.index);
    if (!created) return; // the create failed and was answered as such
    const location = this.location(operation, created.id);
    const missing = this.unresolved(operation, NOTHING_DEFERRED);
    if (missing !== undefined) {
      this.fail(operation, scimErrors.conflict(`${operation.type.name} ${created.id} was created, but without its references: ${missing.detail}`), location);
      return;
    }
    const data = this.resolved(operation, operation.data ?? {});
    // Writing in the references is a second write of the created resource: an UPDATE of its own in the audit trail.
    const audit = this.context.operation?.child(bulkOperationDeclaration(operation, 'UPDATE'), this.position(operation));
    try {
      const completed = await this.service.replace(audit ? { ...this.context, operation: audit } : this.context, operation.type, created.id, data, { ifMatch: versionToETag(created.version) });
      this.created.set(operation.index, completed);
      this.succeed(operation, 201, location, completed, audit);
    } catch (error) {
      this.fail(operation, error, location, audit);
    }
  }

  private position(operation: BulkOperation): { index: number; bulkId?: string } {
    return operation.bulkId === undefined ? { index: operation.index } : { index: operation.index, bulkId: operation.bulkId };
  }

  /** The operation's audit record (made on first use, when the operation's turn comes), naming its target. */
  private auditOf(operation: BulkOperation): OperationAudit | undefined {
    const parent = this.context.operation;
    if (!parent) return undefined;
    let audit = this.audits.get(operation.index);
    if (!audit) {
      audit = parent.child(bulkOperationDeclaration(operation), this.position(operation));
      if (!isInvalid(operation)) audit.target(operation.type.name, this.targetId(operation));
      this.audits.set(operation.index, audit);
    }
    return audit;
  }

  /** The context of one operation: the request's, with the operation's own audit record. */
  private contextFor(operation: BulkOperation): RequestContext {
    const audit = this.auditOf(operation);
    return audit ? { ...this.context, operation: audit } : this.context;
  }

  /** The operation's data with its references replaced by ids (as it is when it has none). */
  private resolved(operation: ValidBulkOperation, data: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
    if (operation.references.length === 0) return data;
    return substituteReferences(data, (bulkId) => this.resolve(bulkId), { patchPaths: operation.method === BulkMethod.patch });
  }

  /** The id that a bulkId stands for, once its POST succeeded. */
  private resolve(bulkId: string): string | undefined {
    const index = this.plan.definitions.get(bulkId);
    return index === undefined ? undefined : this.created.get(index)?.id;
  }

  /** Why a reference of the operation cannot be resolved now (its POST failed), or undefined when all resolve. */
  private unresolved(operation: ValidBulkOperation, deferred: ReadonlySet<string>): ScimError | undefined {
    const bulkId = operation.references.find((reference) => !deferred.has(reference) && this.resolve(reference) === undefined);
    if (bulkId === undefined) return undefined;
    const definer = this.plan.definitions.get(bulkId);
    return scimErrors.conflict(
      `Operation ${operation.index} refers to bulkId:${bulkId}, but operation ${definer ?? '?'} that was to create it failed, so the reference cannot be resolved`,
    );
  }

  /** The resource id a PUT, PATCH or DELETE acts on, with a bulkId reference resolved; undefined for POST. */
  private targetId(operation: BulkOperation): string | undefined {
    if (isInvalid(operation) || operation.target === undefined) return undefined;
    const reference = referenceIn(operation.target);
    return reference === undefined ? operation.target : this.resolve(reference);
  }

  /** RFC 7644 §3.7.3: `location` is required except for a failed POST; given when the target is known. */
  private targetLocation(operation: BulkOperation): string | undefined {
    const id = this.targetId(operation);
    return id === undefined || isInvalid(operation) ? undefined : this.location(operation, id);
  }

  private location(operation: ValidBulkOperation, id: string): string {
    return resourceLocation(this.options.baseUrl, operation.type, id);
  }

  private echo(operation: BulkOperation) {
    return {
      ...(operation.methodText !== undefined ? { method: operation.methodText } : {}),
      ...(operation.bulkId !== undefined ? { bulkId: operation.bulkId } : {}),
    };
  }

  private succeed(operation: BulkOperation, status: number, location: string, stored?: StoredResource, audit = this.auditOf(operation)): void {
    // A write recorded its outcome with the change; a PATCH that changed nothing records it here.
    audit?.succeed();
    this.outcomes[operation.index] = {
      ...this.echo(operation),
      ...(stored ? { version: versionToETag(stored.version) } : {}),
      location,
      status: String(status),
    };
  }

  private fail(operation: BulkOperation, error: unknown, location?: string, audit = this.auditOf(operation)): void {
    const scimError = this.asScimError(error);
    audit?.fail({ status: scimError.status, scimType: scimError.scimType });
    this.outcomes[operation.index] = {
      ...this.echo(operation),
      ...(location !== undefined ? { location } : {}),
      status: String(scimError.status),
      response: scimError.toBody(),
    };
    this.errors += 1;
    if (this.failOnErrors !== undefined && this.errors >= this.failOnErrors) this.stopped = true;
  }

  private asScimError(error: unknown): ScimError {
    if (error instanceof ScimError) return error;
    this.options.onInternalError?.(error);
    return scimErrors.internal(error);
  }
}
