// The one way behaviours of a resource type are combined (src/app.ts calls it once per type). Behaviours run in the
// order given: the type's own first, then each extension's. How each hook kind combines:
//
//   prepareWrite              a chain: each hook gets the draft the previous one returned (validation throws and
//                             stops the write; defaults and internal state accumulate)
//   planRelationWrite         a chain: each plans on the attributes the previous one left in the document; all
//                             plans are made before anything is written, their pending changes recorded with the
//                             document, and committed in order after it
//   planRelationPatch         a chain: each takes its operations from those the previous one left; the plan changes
//                             something if any part does, and holds only at the version read if a changing part read
//                             the relation; parts commit in order after the document
//   computedAttributes(+Page) a merge: every hook runs, and their attributes are put together; two behaviours that
//                             compute the same attribute are a wiring mistake and fail loudly, never one silently
//                             hiding the other
//   afterWrite                all run, in order, after the document write; the first failure stops the rest
//   beforeDelete              all run, in order, before the delete; the first that refuses (throws) stops the delete
//   afterDelete               all run, in order; one that fails does not stop the others (each cleans up its own
//                             relation), and the first failure is rethrown once all have run
//
// Without any behaviour every hook is a no-op that costs no store call.
import type { ScimAttributes } from '../scim/schema/attribute';
import type { ComposedBehaviour, RelationPatchPlan, RelationWritePlan, ResourceTypeBehaviour } from './resource-type-behaviour';

export function composeBehaviours(...behaviours: readonly ResourceTypeBehaviour[]): ComposedBehaviour {
  const all = <K extends keyof ResourceTypeBehaviour>(kind: K): Array<NonNullable<ResourceTypeBehaviour[K]>> =>
    behaviours.map((behaviour) => behaviour[kind]).filter((hook): hook is NonNullable<ResourceTypeBehaviour[K]> => hook !== undefined);

  const prepareHooks = all('prepareWrite');
  const writePlanners = all('planRelationWrite');
  const patchPlanners = all('planRelationPatch');
  const writtenHooks = all('afterWrite');
  const beforeDeleteHooks = all('beforeDelete');
  const deleteHooks = all('afterDelete');
  const computers = behaviours.filter((behaviour) => behaviour.computedAttributes !== undefined || behaviour.computedAttributesOfPage !== undefined);
  const singleComputers = computers.map(singleComputer);
  const pageComputers = computers.map(pageComputer);

  return {
    async prepareWrite(context, input, draft) {
      let current = draft;
      for (const hook of prepareHooks) current = await hook(context, input, current);
      return current;
    },

    async planRelationWrite(context, id, attributes, previous) {
      const plans: RelationWritePlan[] = [];
      let document = attributes;
      for (const planner of writePlanners) {
        const plan = await planner(context, id, document, previous);
        plans.push(plan);
        document = plan.attributes;
      }
      return { attributes: document, pending: plans.flatMap((plan) => plan.pending ?? []), commit: () => commitInOrder(plans) };
    },

    async planRelationPatch(context, id, operations) {
      const plans: RelationPatchPlan[] = [];
      let remaining = operations;
      for (const planner of patchPlanners) {
        const plan = await planner(context, id, remaining);
        plans.push(plan);
        remaining = plan.remaining;
      }
      const changed = plans.filter((plan) => plan.changes);
      return {
        remaining,
        changes: changed.length > 0,
        pending: changed.flatMap((plan) => plan.pending ?? []),
        // One part that read the relation makes the whole write conditional on the version read.
        readsRelation: changed.some((plan) => plan.readsRelation === true),
        commit: () => commitInOrder(plans),
      };
    },

    async computedAttributes(context, id, compute) {
      if (singleComputers.length === 0) return {};
      return mergeComputed(await Promise.all(singleComputers.map((computer) => computer(context, id, compute))), id);
    },

    async computedAttributesOfPage(context, ids, compute) {
      if (pageComputers.length === 0 || ids.length === 0) return new Map();
      const pages = await Promise.all(pageComputers.map((computer) => computer(context, ids, compute)));
      const merged = new Map<string, ScimAttributes>();
      for (const id of ids) {
        const computed = mergeComputed(
          pages.map((page) => page.get(id) ?? {}),
          id,
        );
        if (Object.keys(computed).length > 0) merged.set(id, computed);
      }
      return merged;
    },

    async afterWrite(context, input, stored) {
      for (const hook of writtenHooks) await hook(context, input, stored);
    },

    async beforeDelete(context, id, options) {
      for (const hook of beforeDeleteHooks) await hook(context, id, options);
    },

    async afterDelete(context, id) {
      const failures: unknown[] = [];
      for (const hook of deleteHooks) {
        try {
          await hook(context, id);
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failures[0];
    },
  };
}

type SingleComputer = NonNullable<ResourceTypeBehaviour['computedAttributes']>;
type PageComputer = NonNullable<ResourceTypeBehaviour['computedAttributesOfPage']>;

/** A behaviour's computation for one resource: its own hook, else its page hook asked about one id. */
function singleComputer(behaviour: ResourceTypeBehaviour): SingleComputer {
  const single = behaviour.computedAttributes;
  if (single) return single;
  const page = behaviour.computedAttributesOfPage!;
  return async (context, id, compute) => (await page(context, [id], compute)).get(id) ?? {};
}

/**
 * A behaviour's computation for a list page: its page hook, else its single hook for each id of the page (a page
 * holds at most SCIM_MAX_RESULTS ids; a behaviour whose reads add up per row should define the page hook).
 */
function pageComputer(behaviour: ResourceTypeBehaviour): PageComputer {
  const page = behaviour.computedAttributesOfPage;
  if (page) return page;
  const single = behaviour.computedAttributes!;
  return async (context, ids, compute) => {
    const computed = await Promise.all(ids.map((id) => single(context, id, compute)));
    return new Map(ids.map((id, index) => [id, computed[index]]));
  };
}

function mergeComputed(parts: readonly ScimAttributes[], id: string): ScimAttributes {
  if (parts.length === 1) return parts[0];
  const merged: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [name, value] of Object.entries(part)) {
      if (Object.hasOwn(merged, name)) throw new Error(`Two behaviours computed the attribute '${name}' of resource ${id}; each computed attribute needs exactly one owner`);
      merged[name] = value;
    }
  }
  return merged;
}

async function commitInOrder(plans: readonly { commit(): Promise<void> }[]): Promise<void> {
  for (const plan of plans) await plan.commit();
}
