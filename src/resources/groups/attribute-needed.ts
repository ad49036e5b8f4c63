// Whether a response will carry an attribute, decided from its `returned` characteristic (RFC 7643 §2.2) and the
// request's attributes / excludedAttributes (RFC 7644 §3.9), the same way projectResource decides it. Computed
// attributes that no response needs are never read (Entra polls groups with `excludedAttributes=members`).
import type { ResolvedPath } from '../../scim/paths/resolved-path';
import type { AttributeSelection } from '../../scim/schema/attribute-selection';

export function isAttributeNeeded(selection: AttributeSelection, path: ResolvedPath): boolean {
  const { attribute } = path;
  if (attribute.returned === 'never') return false;
  if (attribute.returned === 'always') return true;
  const mine = selection.entries.filter((entry) => entry.path.schemaUrn === path.schemaUrn && entry.path.attribute === attribute);
  switch (selection.mode) {
    case 'default':
      return attribute.returned !== 'request';
    case 'include':
      return mine.length > 0;
    case 'exclude':
      return attribute.returned !== 'request' && !mine.some((entry) => entry.path.subAttribute === undefined);
  }
}
