// The URN namespace of this server's own schemas (README "Extensions"): every extension names its schemas here, so
// that all of them share one namespace and no two features pick clashing names.
//   - an extension of a SCIM resource type: urn:scim-server:params:scim:schemas:extension:<feature>:2.0:<Type>
//   - a resource type of our own:           urn:scim-server:params:scim:schemas:<feature>:2.0:<Type>
// The schema JSON lives in schemas/ and is loaded by src/scim/schema/builtin-registry.ts.

const NAMESPACE = 'urn:scim-server:params:scim:schemas';

export const ProductUrn = {
  /**
   * The product's own User extension. Lifecycle attributes came first; later features add theirs to the same
   * extension (schemas/lifecycle-user.json) rather than starting another one per feature.
   */
  user: `${NAMESPACE}:extension:lifecycle:2.0:User`,
  /** One entry of a user's sign-in history (GET /Users/{id}/sign-ins). */
  signIn: `${NAMESPACE}:lifecycle:2.0:SignIn`,
  /** An invitation (POST /Invitations, GET /Invitations/{id}; schemas/invitation.json). */
  invitation: `${NAMESPACE}:invitations:2.0:Invitation`,
} as const;
