import { resolveAttributePath } from '../../../../src/scim/paths/attribute-path';
import { parseAttributeSelection } from '../../../../src/scim/schema/attribute-selection';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { isAttributeNeeded } from '../../../../src/resources/groups/attribute-needed';

const registry = loadBuiltinRegistry();
const groupType = registry.resourceType('Group')!;
const members = resolveAttributePath(registry, groupType, 'members')!;
const needed = (params: { attributes?: string; excludedAttributes?: string }) => isAttributeNeeded(parseAttributeSelection(registry, groupType, params), members);

describe('isAttributeNeeded', () => {
  it('follows returned=default and the attributes / excludedAttributes parameters (RFC 7644 §3.9)', () => {
    expect(needed({})).toBe(true);
    expect(needed({ attributes: 'members' })).toBe(true);
    expect(needed({ attributes: 'MEMBERS.value' })).toBe(true);
    expect(needed({ attributes: 'urn:ietf:params:scim:schemas:core:2.0:Group:members' })).toBe(true);
    expect(needed({ attributes: 'displayName' })).toBe(false);
    expect(needed({ excludedAttributes: 'members' })).toBe(false);
    expect(needed({ excludedAttributes: 'Members' })).toBe(false);
    // Excluding one sub-attribute still returns the others.
    expect(needed({ excludedAttributes: 'members.display' })).toBe(true);
    expect(needed({ excludedAttributes: 'displayName' })).toBe(true);
  });
});
