// Runs one third-party Postman collection through newman's Node API and turns its events into assertion
// results: { name, passed, detail } per pm.test, plus one failure per assertion that never ran (a test script
// that threw, or a request that got no response, hides the assertions after it; they count as failed).
'use strict';
const fs = require('node:fs');
const newman = require('newman');

/** Counts the pm.test(...) calls in a collection, which is what "N assertions" means for a suite. */
function declaredAssertions(collection) {
  let count = 0;
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node && typeof node === 'object') {
      if (Array.isArray(node.exec)) count += node.exec.join('\n').split('pm.test(').length - 1;
      Object.values(node).forEach(visit);
    }
  };
  visit(collection);
  return count;
}

/** The collection without the named top-level folders. */
function withoutFolders(collection, names) {
  if (names.length === 0 || !Array.isArray(collection.item)) return collection;
  return { ...collection, item: collection.item.filter((item) => !names.includes(item.name)) };
}

/**
 * @param {{ file: string, envVars: Record<string, string>, skipFolders?: string[] }} options
 *   skipFolders: top-level folders left out (e.g. Microsoft's "Get Token", which talks to Microsoft's sample server)
 * @returns {Promise<{ results: { name: string, passed: boolean, detail?: string }[], declared: number }>}
 */
function runCollection({ file, envVars, skipFolders = [] }) {
  const collection = withoutFolders(JSON.parse(fs.readFileSync(file, 'utf8')), skipFolders);
  const declared = declaredAssertions(collection);
  /** @type {{ name: string, passed: boolean, detail?: string }[]} */
  const results = [];
  const problems = [];
  const occurrences = new Map();
  return new Promise((resolve, reject) => {
    newman
      .run({
        collection,
        envVar: Object.entries(envVars).map(([key, value]) => ({ key, value })),
        reporters: [],
        timeout: 120_000,
        timeoutRequest: 15_000,
      })
      .on('request', (error, args) => {
        if (error) problems.push(`${args.item.name}: request failed: ${error.message}`);
      })
      .on('script', (error, args) => {
        if (error) problems.push(`${args.item.name}: ${args.event.listen} script error: ${error.message}`);
      })
      .on('assertion', (error, args) => {
        // Collections reuse request names; the n-th repeat of a name is told apart as "name (n)".
        const base = `${args.item.name} › ${args.assertion}`;
        const seen = (occurrences.get(base) ?? 0) + 1;
        occurrences.set(base, seen);
        const name = seen === 1 ? base : `${base} (${seen})`;
        if (args.skipped) results.push({ name, passed: false, detail: 'skipped by the collection' });
        else results.push(error ? { name, passed: false, detail: error.message } : { name, passed: true });
      })
      .on('done', (error) => {
        if (error) return reject(error);
        const missing = declared - results.length;
        for (let i = 0; i < missing; i++) {
          results.push({ name: `(assertion not reached #${i + 1})`, passed: false, detail: problems.join('; ') || 'a test script stopped before it' });
        }
        resolve({ results, declared, problems });
      });
  });
}

module.exports = { withoutFolders, runCollection, declaredAssertions };
