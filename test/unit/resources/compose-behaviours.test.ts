// How composeBehaviours combines each hook kind: chains, merges, and every afterDelete in order.
import { composeBehaviours } from '../../../src/resources/compose-behaviours';
import type { ComputeContext, ResourceTypeBehaviour, WriteInput } from '../../../src/resources/resource-type-behaviour';
import { requestMemo } from '../../../src/resources/write-with-retry';
import { scimErrors } from '../../../src/scim/errors';
import type { PatchOperation } from '../../../src/scim/patch/patch-operation';
import { DEFAULT_SELECTION } from '../../../src/scim/schema/attribute-selection';
import { tokenContext } from '../../helpers/request-context';

const CONTEXT = tokenContext('t1');
const COMPUTE: ComputeContext = { selection: DEFAULT_SELECTION, baseUrl: 'https://scim.example.com' };
const CREATE: WriteInput = { kind: 'create', id: 'u1', writeOnly: {}, named: new Set<string>(), once: requestMemo() };

describe('composeBehaviours', () => {
  it('runs two afterDelete hooks, both, in order, with the context and id', async () => {
    const events: string[] = [];
    const composed = composeBehaviours(
      { afterDelete: async (context, id) => void events.push(`memberships ${context.tenantId} ${id}`) },
      { afterDelete: async (context, id) => void events.push(`roles ${context.actor.label} ${id}`) },
    );
    await composed.afterDelete(CONTEXT, 'u1');
    expect(events).toEqual(['memberships t1 u1', 'roles test u1']);
  });

  it('runs every afterDelete even when an earlier one fails, then rethrows the first failure', async () => {
    const events: string[] = [];
    const first = new Error('first cleanup failed');
    const composed = composeBehaviours(
      {
        afterDelete: async () => {
          events.push('a');
          throw first;
        },
      },
      { afterDelete: async () => void events.push('b') },
      {
        afterDelete: async () => {
          events.push('c');
          throw new Error('third cleanup failed');
        },
      },
    );
    await expect(composed.afterDelete(CONTEXT, 'u1')).rejects.toBe(first);
    expect(events).toEqual(['a', 'b', 'c']);
  });

  it('chains prepareWrite: each hook gets the draft the previous one returned; a throw stops the chain', async () => {
    const calls: string[] = [];
    const defaults: ResourceTypeBehaviour = {
      prepareWrite: async (_context, input, draft) => {
        calls.push('defaults');
        return input.kind === 'create' && draft.attributes.title === undefined ? { ...draft, attributes: { ...draft.attributes, title: 'Member' } } : draft;
      },
    };
    const state: ResourceTypeBehaviour = {
      prepareWrite: async (_context, _input, draft) => {
        calls.push('state');
        return { ...draft, internal: { ...draft.internal, state: `active as ${String(draft.attributes.title)}` } };
      },
    };
    const refuse: ResourceTypeBehaviour = {
      prepareWrite: async (_context, _input, draft) => {
        calls.push('refuse');
        if (draft.attributes.userName === 'root') throw scimErrors.invalidValue('userName root is reserved');
        return draft;
      },
    };
    const composed = composeBehaviours(defaults, state, refuse);
    await expect(composed.prepareWrite(CONTEXT, CREATE, { attributes: { userName: 'b' }, internal: { kept: 1 } })).resolves.toEqual({
      attributes: { userName: 'b', title: 'Member' },
      internal: { kept: 1, state: 'active as Member' },
    });
    calls.length = 0;
    await expect(composeBehaviours(refuse, defaults).prepareWrite(CONTEXT, CREATE, { attributes: { userName: 'root' }, internal: {} })).rejects.toMatchObject({
      status: 400,
      detail: 'userName root is reserved',
    });
    expect(calls).toEqual(['refuse']);
  });

  it('chains planRelationWrite on the attributes each leaves in the document, and commits all, in order, only when asked', async () => {
    const events: string[] = [];
    const takeOut = (name: string): ResourceTypeBehaviour => ({
      planRelationWrite: async (_context, _id, attributes) => {
        events.push(`plan ${name} from ${Object.keys(attributes).join(',')}`);
        const { [name]: _taken, ...rest } = attributes;
        return { attributes: rest, commit: async () => void events.push(`commit ${name}`) };
      },
    });
    const composed = composeBehaviours(takeOut('members'), takeOut('roles'));
    const plan = await composed.planRelationWrite(CONTEXT, 'g1', { displayName: 'G', members: [], roles: [] });
    expect(plan.attributes).toEqual({ displayName: 'G' });
    expect(events).toEqual(['plan members from displayName,members,roles', 'plan roles from displayName,roles']);
    await plan.commit();
    expect(events.slice(2)).toEqual(['commit members', 'commit roles']);
  });

  it('chains planRelationPatch on the operations each leaves; changes when any part changes', async () => {
    const events: string[] = [];
    const operation = (name: string) => ({ index: 0, op: 'add', path: { attribute: { attribute: { name } } } }) as unknown as PatchOperation;
    const claim = (name: string, changes: boolean): ResourceTypeBehaviour => ({
      planRelationPatch: async (_context, _id, operations) => ({
        remaining: operations.filter((op) => op.path?.attribute.attribute.name !== name),
        changes,
        commit: async () => void events.push(`commit ${name}`),
      }),
    });
    const operations = [operation('members'), operation('roles'), operation('title')];
    const plan = await composeBehaviours(claim('members', false), claim('roles', true)).planRelationPatch(CONTEXT, 'g1', operations);
    expect(plan.remaining).toEqual([operations[2]]);
    expect(plan.changes).toBe(true);
    await plan.commit();
    expect(events).toEqual(['commit members', 'commit roles']);
    expect((await composeBehaviours(claim('members', false)).planRelationPatch(CONTEXT, 'g1', operations)).changes).toBe(false);
  });

  it('merges computed attributes, for one resource and for a page, whichever hook a behaviour defines', async () => {
    const groups: ResourceTypeBehaviour = {
      computedAttributesOfPage: async (_context, ids) => new Map(ids.filter((id) => id !== 'u2').map((id) => [id, { groups: [{ value: `g-of-${id}` }] }])),
    };
    const roles: ResourceTypeBehaviour = { computedAttributes: async (_context, id) => ({ roles: [{ value: `r-of-${id}` }] }) };
    const composed = composeBehaviours(groups, roles);
    await expect(composed.computedAttributes(CONTEXT, 'u1', COMPUTE)).resolves.toEqual({ groups: [{ value: 'g-of-u1' }], roles: [{ value: 'r-of-u1' }] });
    const page = await composed.computedAttributesOfPage(CONTEXT, ['u1', 'u2'], COMPUTE);
    expect(page.get('u1')).toEqual({ groups: [{ value: 'g-of-u1' }], roles: [{ value: 'r-of-u1' }] });
    expect(page.get('u2')).toEqual({ roles: [{ value: 'r-of-u2' }] });
  });

  it('refuses two behaviours that compute the same attribute instead of letting one hide the other', async () => {
    const twice = composeBehaviours({ computedAttributes: async () => ({ groups: [] }) }, { computedAttributes: async () => ({ groups: [1] }) });
    await expect(twice.computedAttributes(CONTEXT, 'u1', COMPUTE)).rejects.toThrow("Two behaviours computed the attribute 'groups' of resource u1");
  });

  it('makes every hook a no-op without behaviours', async () => {
    const none = composeBehaviours();
    const draft = { attributes: { userName: 'b' }, internal: { a: 1 } };
    await expect(none.prepareWrite(CONTEXT, CREATE, draft)).resolves.toBe(draft);
    await expect(none.computedAttributes(CONTEXT, 'u1', COMPUTE)).resolves.toEqual({});
    await expect(none.computedAttributesOfPage(CONTEXT, ['u1'], COMPUTE)).resolves.toEqual(new Map());
    const plan = await none.planRelationWrite(CONTEXT, 'u1', draft.attributes);
    expect(plan.attributes).toBe(draft.attributes);
    await expect(plan.commit()).resolves.toBeUndefined();
    await expect(none.afterDelete(CONTEXT, 'u1')).resolves.toBeUndefined();
  });
});
