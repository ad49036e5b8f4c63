import { findReferences, referenceIn, substituteReferences, withoutReferences } from '../../../../src/resources/bulk/bulk-references';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ids: Record<string, string> = { u1: 'id-1', u2: 'id-2', boss: 'id-boss' };
const resolve = (bulkId: string) => ids[bulkId];

describe('bulkId references', () => {
  it('recognises whole values of the form bulkId:<id> only', () => {
    expect(referenceIn('bulkId:qwerty')).toBe('qwerty');
    expect(referenceIn('bulkId:')).toBeUndefined();
    expect(referenceIn('xbulkId:q')).toBeUndefined();
    expect(referenceIn('BULKID:q')).toBeUndefined();
  });

  it('finds references at any depth, each once, in order', () => {
    const data = {
      members: [{ value: 'bulkId:u2' }, { value: 'bulkId:u1' }, { value: 'bulkId:u2' }],
      [ENTERPRISE]: { manager: { value: 'bulkId:boss' } },
      description: 'mentions "bulkId:ignored" in a sentence',
    };
    expect(findReferences(data, { patchPaths: false })).toEqual(['u2', 'u1', 'boss']);
  });

  it('finds and replaces quoted references inside PATCH path filters only when asked', () => {
    const patch = { schemas: ['x'], Operations: [{ op: 'remove', PATH: 'members[value eq "bulkId:u1"]' }, { op: 'add', path: 'members', value: [{ value: 'bulkId:u2' }] }] };
    expect(findReferences(patch, { patchPaths: true })).toEqual(['u2', 'u1']);
    expect(findReferences(patch, { patchPaths: false })).toEqual(['u2']);
    const substituted = substituteReferences(patch, resolve, { patchPaths: true });
    expect(substituted).toEqual({ schemas: ['x'], Operations: [{ op: 'remove', PATH: 'members[value eq "id-1"]' }, { op: 'add', path: 'members', value: [{ value: 'id-2' }] }] });
    // The input is not modified.
    expect(patch.Operations[0].PATH).toBe('members[value eq "bulkId:u1"]');
  });

  it('replaces every resolvable reference and leaves the rest', () => {
    const data = { members: [{ value: 'bulkId:u1' }, { value: 'bulkId:unknown' }], title: 'bulkId:boss', n: 3, flag: true, none: null };
    expect(substituteReferences(data, resolve, { patchPaths: false })).toEqual({ members: [{ value: 'id-1' }, { value: 'bulkId:unknown' }], title: 'id-boss', n: 3, flag: true, none: null });
  });

  it('leaves out deferred references with the complex value that holds them, never a whole extension', () => {
    const data = {
      userName: 'x',
      members: [{ value: 'bulkId:u1', type: 'User' }, { value: 'bulkId:u2' }],
      [ENTERPRISE]: { department: 'R&D', manager: { value: 'bulkId:u1', displayName: 'Boss' } },
      nickName: 'bulkId:u1',
    };
    expect(withoutReferences(data, new Set(['u1']))).toEqual({ userName: 'x', members: [{ value: 'bulkId:u2' }], [ENTERPRISE]: { department: 'R&D' } });
    expect(withoutReferences({ [ENTERPRISE]: { manager: 'bulkId:u1' } }, new Set(['u1']))).toEqual({ [ENTERPRISE]: {} });
  });
});
