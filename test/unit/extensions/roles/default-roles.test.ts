// The default roles remembered per tenant (src/extensions/roles/default-roles.ts): one catalogue lookup for the creates
// of a moment, asked again once the moment is over, forgotten at once by a Role write, failures never remembered.
import { createDefaultRoles, DEFAULT_ROLES_REMEMBER_MS } from '../../../../src/extensions/roles/default-roles';
import type { CatalogueRole } from '../../../../src/extensions/roles/role-catalogue';

describe('default roles', () => {
  let now: number;
  let lookups: string[];
  let answer: () => Promise<readonly CatalogueRole[]>;
  const clock = () => new Date(now);
  const make = () =>
    createDefaultRoles({
      catalogue: {
        defaults: (tenantId) => {
          lookups.push(tenantId);
          return answer();
        },
      },
      clock,
    });

  beforeEach(() => {
    now = Date.parse('2026-01-01T00:00:00.000Z');
    lookups = [];
    answer = async () => [{ id: 'r1', name: 'Everybody' }];
  });

  it('asks the catalogue once per tenant within the remembered time, and again after it', async () => {
    const defaults = make();
    expect(await defaults.of('t1')).toEqual([{ id: 'r1', name: 'Everybody' }]);
    await defaults.of('t1');
    await defaults.of('t2');
    now += DEFAULT_ROLES_REMEMBER_MS - 1;
    await defaults.of('t1');
    expect(lookups).toEqual(['t1', 't2']);
    now += 1;
    await defaults.of('t1');
    expect(lookups).toEqual(['t1', 't2', 't1']);
  });

  it('forgets a tenant at once, even while its lookup is still in flight', async () => {
    const defaults = make();
    let release: (roles: readonly CatalogueRole[]) => void = () => undefined;
    answer = () => new Promise((resolve) => (release = resolve));
    const inFlight = defaults.of('t1');
    defaults.forget('t1');
    answer = async () => [{ id: 'r2', name: 'Staff' }];
    const after = defaults.of('t1');
    release([{ id: 'r1', name: 'Everybody' }]);
    expect(await inFlight).toEqual([{ id: 'r1', name: 'Everybody' }]);
    expect(await after).toEqual([{ id: 'r2', name: 'Staff' }]);
    // The lookup that started before the forget did not come back: the next create still sees Staff.
    expect(await defaults.of('t1')).toEqual([{ id: 'r2', name: 'Staff' }]);
    expect(lookups).toEqual(['t1', 't1']);
  });

  it('does not remember a failed lookup', async () => {
    const defaults = make();
    answer = async () => {
      throw new Error('store down');
    };
    await expect(defaults.of('t1')).rejects.toThrow('store down');
    answer = async () => [];
    expect(await defaults.of('t1')).toEqual([]);
    expect(lookups).toEqual(['t1', 't1']);
  });
});
