// The README and the guides in docs/ point only at files that are in the repository.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const documents = ['README.md', ...(existsSync(join(root, 'docs')) ? readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`) : [])];

describe.each(documents)('%s', (document) => {
  const text = readFileSync(join(root, document), 'utf8');
  it('links only to files and folders that exist', () => {
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]).filter((target) => !/^(https?:|mailto:|#)/.test(target));
    const missing = targets.map((target) => target.split('#')[0]).filter((target) => !existsSync(resolve(dirname(join(root, document)), target)));
    expect(missing).toEqual([]);
  });
});
