// The roles extension on every store (README "Roles"): the services as the app builds them (src/services.ts) over the
// store under test. The catalogue's uniqueness, default roles, the unknown role refused on every kind of write with
// nothing written, the holders lookup by the indexed roles.value, and forced deletes and renames reaching every holder
// in batches, resumable from the job's checkpoint, each holder changed by one write.
import { JobInterrupted, InterruptReason, type JobContext } from '../../src/jobs/job-type';
import { HOLDERS_BATCH } from '../../src/extensions/roles/role-holders';
import { ROLE_HOLDERS_JOB } from '../../src/extensions/roles/holder-updates';
import type { ResourceService } from '../../src/resources/resource-service';
import { ScimError } from '../../src/scim/errors';
import { resolveAttributePath } from '../../src/scim/paths/attribute-path';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import type { ResourceTypeDefinition } from '../../src/scim/schema/attribute';
import { buildServices, type Services } from '../../src/services';
import { JobStatus, type JobRecord } from '../../src/store/job-store';
import type { Store } from '../../src/store/tenant-store';
import { interleavingStore } from '../helpers/interleaving-store';
import type { JsonValue } from '../../src/store/json-value';
import { tokenContext } from '../helpers/request-context';
import type { StoreUnderTest } from './resource-store.contract';

const registry = loadBuiltinRegistry();
const ROLE_SCHEMA = 'urn:scim-server:params:scim:schemas:roles:2.0:Role';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const quiet = { warn: () => undefined };
/** roles.value of User, resolved as the filter parser resolves it. */
const HOLDER_PATH = resolveAttributePath(registry, registry.resourceType('User')!, 'roles.value')!;

export function describeRolesContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name}: roles`, () => {
    let subject: StoreUnderTest;
    let services: Services;
    let resources: ResourceService;
    let User: ResourceTypeDefinition;
    let Role: ResourceTypeDefinition;
    const t1 = tokenContext('t1');
    const t2 = tokenContext('t2');

    beforeEach(async () => {
      subject = await makeStore();
      // Every move of holders goes through the job here, so that its batches and checkpoints are what is tested.
      services = buildServices({ store: subject.store, registry, logger: quiet, inlineHolders: 0 });
      resources = services.resources;
      User = resources.resourceType('User');
      Role = resources.resourceType('Role');
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    const role = (context = t1, roleName: string, extra: Record<string, unknown> = {}) => resources.create(context, Role, { schemas: [ROLE_SCHEMA], name: roleName, ...extra });
    const user = (context = t1, userName: string, roles?: string[]) =>
      resources.create(context, User, { schemas: [USER_SCHEMA], userName, ...(roles ? { roles: roles.map((value) => ({ value })) } : {}) });
    const valuesOf = (stored: { attributes: Record<string, unknown> }) => ((stored.attributes.roles as Array<{ value: string }> | undefined) ?? []).map((held) => held.value);
    const refusal = async (promise: Promise<unknown>) => {
      const error = await promise.then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(ScimError);
      return error as ScimError;
    };
    /** Users holding `roleName`, through the store's filter on the indexed roles.value. */
    const holderIds = async (roleName: string, context = t1): Promise<string[]> => {
      const found = await subject.store.resources.list(context.tenantId, {
        resourceType: 'User',
        filter: { kind: 'compare', path: HOLDER_PATH, op: 'eq', value: roleName },
        page: { kind: 'index', startIndex: 1, count: 1000 },
      });
      return found.resources.map((stored) => stored.id).sort();
    };

    /** Runs the queued holders job like a worker would; `stopAfter` checkpoints interrupt it (a takeover resumes). */
    const runHoldersJob = async (context = t1, stopAfter = Infinity) => {
      // The queued one: a forced delete that hands its holders to a worker cancels the job that claimed the name first.
      const { jobs } = await subject.store.jobs.list(context.tenantId, { limit: 10, type: ROLE_HOLDERS_JOB, status: JobStatus.queued });
      expect(jobs).toHaveLength(1);
      let record: JobRecord = jobs[0];
      let checkpoints = 0;
      for (let run = 0; run < 100; run++) {
        const controller = new AbortController();
        const jobContext: JobContext = {
          job: record,
          signal: controller.signal,
          clock: () => new Date(),
          logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
          checkpoint: async (update: { checkpoint?: JsonValue; progress?: { processed: number } }) => {
            record = { ...record, checkpoint: update.checkpoint, progress: update.progress };
            checkpoints += 1;
            if (checkpoints % (stopAfter + 1) === stopAfter) throw new JobInterrupted(InterruptReason.leaseLost);
          },
        };
        try {
          return { result: await services.roles.holdersJob.run(jobContext), runs: run + 1 };
        } catch (error) {
          if (!(error instanceof JobInterrupted)) throw error;
        }
      }
      throw new Error('the job did not end');
    };

    it('keeps role names unique per tenant ignoring case, and each tenant to its own catalogue', async () => {
      await role(t1, 'Admin');
      const duplicate = await refusal(role(t1, 'ADMIN'));
      expect(duplicate).toMatchObject({ status: 409, scimType: 'uniqueness' });
      await expect(role(t2, 'admin')).resolves.toMatchObject({ attributes: { name: 'admin' } });
      const renamedOnto = await role(t1, 'Support');
      const clash = await refusal(resources.patch(t1, Role, renamedOnto.id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name', value: 'admin' }] }));
      expect(clash).toMatchObject({ status: 409, scimType: 'uniqueness' });
    });

    it('stores the catalogue spelling, adds default roles at creation, and finds holders by roles.value ignoring case', async () => {
      await role(t1, 'Everybody', { default: true });
      await role(t1, 'Admin');
      const alice = await user(t1, 'alice', ['admin']);
      expect(valuesOf(alice)).toEqual(['Admin', 'Everybody']);
      const [bob, carol] = (await resources.createMany(t1, User, [
        { schemas: [USER_SCHEMA], userName: 'bob' },
        { schemas: [USER_SCHEMA], userName: 'carol', roles: [{ value: 'EVERYBODY' }] },
      ])) as Array<{ id: string; attributes: Record<string, unknown> }>;
      expect(valuesOf(bob)).toEqual(['Everybody']);
      expect(valuesOf(carol)).toEqual(['Everybody']);
      expect(await holderIds('everybody')).toEqual([alice.id, bob.id, carol.id].sort());
      expect(await holderIds('ADMIN')).toEqual([alice.id]);
      // Another tenant's users and catalogue are apart: its new users get none of these defaults.
      expect(valuesOf(await user(t2, 'dave'))).toEqual([]);
      expect(await holderIds('everybody', t2)).toEqual([]);
    });

    it('refuses an unknown role on create, createMany (Bulk), replace and PATCH, naming it and writing nothing', async () => {
      await role(t1, 'admin');
      const created = await refusal(user(t1, 'alice', ['admin', 'ghost']));
      expect(created).toMatchObject({ status: 400, scimType: 'invalidValue' });
      expect(created.detail).toContain('"ghost"');
      const [batchItem] = await resources.createMany(t1, User, [{ schemas: [USER_SCHEMA], userName: 'bob', roles: [{ value: 'phantom' }] }]);
      expect(batchItem).toBeInstanceOf(ScimError);
      expect((batchItem as ScimError).detail).toContain('"phantom"');
      expect((await subject.store.resources.list('t1', { resourceType: 'User', page: { kind: 'index', startIndex: 1, count: 10 } })).totalResults).toBe(0);

      const carol = await user(t1, 'carol', ['admin']);
      const replaced = await refusal(resources.replace(t1, User, carol.id, { schemas: [USER_SCHEMA], userName: 'carol', roles: [{ value: 'wraith' }] }));
      expect(replaced.detail).toContain('"wraith"');
      const patched = await refusal(resources.patch(t1, User, carol.id, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'roles', value: [{ value: 'spectre' }] }] }));
      expect(patched.detail).toContain('"spectre"');
      expect(await subject.store.resources.get('t1', 'User', carol.id)).toMatchObject({ version: 1, attributes: { roles: [{ value: 'admin' }] } });
      // A role only another tenant has is unknown here.
      await role(t2, 'elsewhere');
      expect((await refusal(user(t1, 'erin', ['elsewhere']))).detail).toContain('"elsewhere"');
    });

    it('refuses to delete a role users hold, unless forced', async () => {
      const admin = await role(t1, 'admin');
      await user(t1, 'alice', ['admin']);
      const refused = await refusal(resources.delete(t1, Role, admin.id));
      expect(refused.status).toBe(409);
      expect(refused.detail).toContain('held by 1 user');
      expect(await subject.store.resources.get('t1', 'Role', admin.id)).not.toBeNull();
    });

    it('a forced delete reaches every holder in batches, resumable from its checkpoint, one write per holder', async () => {
      const admin = await role(t1, 'admin');
      await role(t1, 'auditor');
      const holderCount = HOLDERS_BATCH * 2 + 7;
      const created = await resources.createMany(
        t1,
        User,
        Array.from({ length: holderCount }, (_, index) => ({ schemas: [USER_SCHEMA], userName: `u${index}`, roles: [{ value: 'admin' }, ...(index % 2 ? [{ value: 'auditor' }] : [])] })),
      );
      const otherTenant = await user(t2, 'outsider', []);
      await role(t2, 'admin');
      await resources.patch(t2, User, otherTenant.id, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'roles', value: [{ value: 'admin' }] }] });

      const deletion = await services.roles.service.deleteRole(t1, admin.id, { force: true });
      expect(deletion).toMatchObject({ kind: 'queued', holders: holderCount });
      expect(await subject.store.resources.get('t1', 'Role', admin.id)).toBeNull();

      // Interrupted after each checkpoint, and resumed from it, as a takeover would.
      const { result, runs } = await runHoldersJob(t1, 1);
      expect(runs).toBeGreaterThan(1);
      expect(result).toEqual({ holdersChanged: holderCount, holdersSeen: holderCount });
      expect(await holderIds('admin')).toEqual([]);
      const users = await subject.store.resources.getMany('t1', 'User', created.map((stored) => (stored as { id: string }).id));
      expect(new Set(users.map((stored) => stored.version))).toEqual(new Set([2]));
      expect(users.filter((stored) => valuesOf(stored).join() === 'auditor')).toHaveLength(HOLDERS_BATCH + 3);
      // The other tenant's holder of its own "admin" is untouched.
      expect(valuesOf((await subject.store.resources.get('t2', 'User', otherTenant.id))!)).toEqual(['admin']);
    });

    // Races (README "Roles"): a request lands between another's check and its write, on purpose. The outcome must be one
    // a serial order gives: no user keeps a role the catalogue no longer has, and no acknowledged grant is lost.
    describe('races with a role delete', () => {
      /** The services of a second instance on the same store, whose writes can be interleaved. */
      const racing = (store: Store = subject.store) => {
        const race = interleavingStore(store);
        return { race, services: buildServices({ store: race.store, registry, logger: quiet }) };
      };
      const heldBy = async (userId: string) => valuesOf((await subject.store.resources.get('t1', 'User', userId))!);
      /**
       * The competing requests of the name tests, each a request of its own (a request remembers the roles it looked
       * up): a new role named `name`, then a grant of it to `userId`. Their statuses go into the returned outcome.
       */
      const createAndGrant = async (name: string, userId: string) => {
        const statusOf = (error: ScimError) => error.status;
        const created = await role(tokenContext('t1'), name).then(() => 201, statusOf);
        const granted = await resources
          .patch(tokenContext('t1'), User, userId, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'roles', value: [{ value: name }] }] })
          .then(() => 200, statusOf);
        return { created, granted };
      };

      it.each([true, false])('a grant whose role is deleted (force: %s) between its lookup and its write is taken off again', async (force) => {
        const admin = await role(t1, 'admin');
        const alice = await user(t1, 'alice');
        const { race, services: raced } = racing();
        race.beforeNextWrite(() => raced.roles.service.deleteRole(t1, admin.id, { force }));
        const granted = await raced.roles.service.addUserRoles(t1, alice.id, { roles: ['admin'] });
        expect(race.landed).toBe(1);
        // Serially the grant came first (its answer holds the role), then the delete took it from its holder.
        expect(valuesOf(granted)).toEqual(['admin']);
        expect(await subject.store.resources.get('t1', 'Role', admin.id)).toBeNull();
        expect(await heldBy(alice.id)).toEqual([]);
        expect(await holderIds('admin')).toEqual([]);
      });

      it('a grant that lands between the holder check of a delete and the delete is moved off with the role', async () => {
        const admin = await role(t1, 'admin');
        const alice = await user(t1, 'alice');
        const { race, services: raced } = racing();
        // The next write is the role's tombstone, after the delete counted no holder.
        race.beforeNextWrite(() => raced.roles.service.addUserRoles(t1, alice.id, { roles: ['admin'] }));
        await raced.roles.service.deleteRole(t1, admin.id, { force: false });
        expect(race.landed).toBe(1);
        expect(await subject.store.resources.get('t1', 'Role', admin.id)).toBeNull();
        expect(await heldBy(alice.id)).toEqual([]);
      });

      it('a role of the same name cannot be created between a forced delete and the move of its holders', async () => {
        const admin = await role(t1, 'admin');
        const alice = await user(t1, 'alice', ['admin']);
        const bob = await user(t1, 'bob');
        // The competing requests run right after the role is gone (its delete settled), before its holders are moved.
        const { settle } = subject.store.memberships;
        let competing: Promise<{ created: number; granted: number }> | undefined;
        const store: Store = {
          ...subject.store,
          memberships: {
            ...subject.store.memberships,
            settle: async (tenantId, resourceType, id) => {
              await settle.call(subject.store.memberships, tenantId, resourceType, id);
              if (resourceType !== 'Role' || competing) return;
              await (competing = createAndGrant('Admin', bob.id));
            },
          },
        };
        const { services: raced } = racing(store);
        await raced.roles.service.deleteRole(t1, admin.id, { force: true });
        // Serially the create came after the delete, while the move still held the name: 409, and so bob's grant is
        // refused (strict catalogue). Had the create succeeded, the move would have taken the new role from bob too.
        expect(await competing).toEqual({ created: 409, granted: 400 });
        expect(await heldBy(alice.id)).toEqual([]);
        expect(await heldBy(bob.id)).toEqual([]);
        // Once the move is done, the name is free again.
        expect((await role(t1, 'Admin')).attributes.name).toBe('Admin');
      });

      it('a role created under the former name of a renamed role keeps its holders', async () => {
        const admin = await role(t1, 'admin');
        const alice = await user(t1, 'alice', ['admin']);
        const bob = await user(t1, 'bob');
        // The competing requests run before the first job of the rename is recorded (once the rename is written, where
        // the move used to be recorded only after it).
        const { enqueue } = subject.store.jobs;
        let competing: Promise<{ created: number; granted: number }> | undefined;
        const store: Store = {
          ...subject.store,
          jobs: {
            ...subject.store.jobs,
            enqueue: async (job) => {
              await (competing ??= createAndGrant('admin', bob.id));
              return enqueue.call(subject.store.jobs, job);
            },
          },
        };
        const { services: raced } = racing(store);
        await raced.resources.patch(t1, Role, admin.id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name', value: 'Administrator' }] });
        const outcome = (await competing)!;
        expect(await heldBy(alice.id)).toEqual(['Administrator']);
        // Whichever came first, bob holds a role that exists: the new "admin" he was granted, or (granted the old role
        // before the rename was written) its new name.
        const catalogue = (await subject.store.resources.list('t1', { resourceType: 'Role', page: { kind: 'index', startIndex: 1, count: 10 } })).resources.map(
          (stored) => stored.attributes.name,
        );
        for (const held of await heldBy(bob.id)) expect(catalogue).toContain(held);
        if (outcome.created === 201 && outcome.granted === 200) expect(await heldBy(bob.id)).toEqual(['admin']);
        expect(outcome.granted).toBe(200);
      });
    });

    it('a rename reaches every holder; a second rename meanwhile ends at the latest name', async () => {
      const admin = await role(t1, 'admin');
      const holders = await resources.createMany(t1, User, Array.from({ length: 5 }, (_, index) => ({ schemas: [USER_SCHEMA], userName: `u${index}`, roles: [{ value: 'admin', display: 'Admins' }] })));
      await resources.patch(t1, Role, admin.id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name', value: 'administrator' }] });
      await resources.replace(t1, Role, admin.id, { schemas: [ROLE_SCHEMA], name: 'Operators' });
      const { jobs } = await subject.store.jobs.list('t1', { limit: 10, type: ROLE_HOLDERS_JOB, status: JobStatus.queued });
      // Nobody holds "administrator" yet, so the second rename queues nothing (the claim on the name it made before
      // writing is cancelled): the first job, from "admin", finds the role named Operators by now and moves its holders there.
      expect(jobs.map((job) => job.input)).toEqual([expect.objectContaining({ roleId: admin.id, from: 'admin' })]);
      for (const job of jobs) {
        await services.roles.holdersJob.run({
          job,
          signal: new AbortController().signal,
          clock: () => new Date(),
          logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
          checkpoint: async () => undefined,
        });
      }
      const stored = await subject.store.resources.getMany('t1', 'User', holders.map((held) => (held as { id: string }).id));
      expect(stored.map((held) => held.attributes.roles)).toEqual(stored.map(() => [{ value: 'Operators', display: 'Admins' }]));
      expect(await holderIds('operators')).toHaveLength(5);
      expect(await holderIds('admin')).toEqual([]);
    });
  });
}
