// The mutation table must describe the code as it is: every search text occurs exactly once in its file, and every
// test file it names exists. Checked in `npm test` (a second) so that whoever moves or rewrites the code also moves
// its entries; `npm run test:mutations` then checks that each bug is still caught.
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const { validate } = require(join(root, 'scripts', 'test-mutations.js')) as { validate: (entries: readonly unknown[]) => string[] };
const table = require(join(root, 'test', 'mutations', 'table.js')) as { id: string }[];

describe('test/mutations/table.js', () => {
  it('has entries for the critical paths', () => {
    const areas = new Set(table.map((entry) => entry.id.split('/')[0]));
    for (const area of ['etag', 'concurrency', 'tenant', 'filter', 'patch', 'bulk', 'token', 'membership']) expect(areas).toContain(area);
  });

  it('names code that exists, each search text exactly once, and test files that exist', () => {
    expect(validate(table)).toEqual([]);
  });
});
