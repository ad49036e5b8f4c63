// What the generic resource service does besides SCIM for a Webhook (src/resources/resource-type-behaviour.ts): the
// URL is checked against the SSRF policy after DNS resolution (address-policy.ts), `events` are checked as event types
// or patterns, `active` defaults to true, a tenant has at most MAX_WEBHOOKS_PER_TENANT, and a create gets a signing
// secret, generated here and kept sealed (secret-box.ts) in the resource's internal state, never as an attribute.
import { scimErrors } from '../../scim/errors';
import type { ResourceTypeBehaviour } from '../../resources/resource-type-behaviour';
import { WriteKind } from '../../resources/resource-type-behaviour';
import { checkDestination, DestinationRefused, urlProblem, type Resolver } from './address-policy';
import { checkPatterns } from './event-patterns';
import { newWebhookSecret, type SecretBox } from './secret-box';
import { MAX_WEBHOOKS_PER_TENANT } from './webhook-events';

export const NO_SECRET_KEY = 'Webhooks need a key to keep their signing secrets (SCIM_WEBHOOK_SECRET_KEY); ask the operator to set it';

export interface WebhookBehaviourDeps {
  /** Undefined when the server has no key to seal secrets with (MongoDB without SCIM_WEBHOOK_SECRET_KEY). */
  readonly secrets: SecretBox | undefined;
  readonly allowPrivate: boolean;
  readonly resolve: Resolver;
  /** The tenant's webhooks so far. */
  readonly count: (tenantId: string) => Promise<number>;
  readonly maxPerTenant?: number;
}

export function createWebhookBehaviour(deps: WebhookBehaviourDeps): ResourceTypeBehaviour {
  const max = deps.maxPerTenant ?? MAX_WEBHOOKS_PER_TENANT;
  return {
    async prepareWrite(context, input, draft) {
      const url = String(draft.attributes.url);
      const problem = urlProblem(url);
      if (problem) throw scimErrors.invalidValue(`"url": ${problem}`);
      try {
        await checkDestination(new URL(url), { allowPrivate: deps.allowPrivate, resolve: deps.resolve });
      } catch (error) {
        if (error instanceof DestinationRefused) throw scimErrors.invalidValue(`"url": ${error.message}`);
        throw error;
      }
      const events = checkPatterns(Array.isArray(draft.attributes.events) ? draft.attributes.events : []);
      const attributes = { ...draft.attributes, events, active: draft.attributes.active ?? true };
      if (input.kind !== WriteKind.create) return { attributes, internal: draft.internal };

      if (!deps.secrets) {
        throw scimErrors.unavailable(NO_SECRET_KEY);
      }
      if ((await deps.count(context.tenantId)) >= max) {
        throw scimErrors.invalidValue(`A tenant has at most ${max} webhooks; delete one, or subscribe one webhook to more events`);
      }
      return { attributes, internal: { ...draft.internal, secret: deps.secrets.seal(newWebhookSecret(), input.id) } };
    },
  };
}
