#!/usr/bin/env node
// `npm run test:mutations`: puts each deliberate bug of test/mutations/table.js into a COPY of the checkout, runs the
// tests that entry names, and fails when any bug survives (its tests still pass). The working tree is never written:
// the copy lives in a temporary directory that is removed on success, failure, Ctrl-C and SIGTERM alike.
//
//   npm run test:mutations                      every entry
//   npm run test:mutations -- --only etag/      entries whose id contains one of the comma-separated parts
//   npm run test:mutations -- --list            the table, without running anything
//   npm run test:mutations -- --only x --tests test/http/users.test.ts
//                                               run other tests than the entries name (does that file catch it?)
//
// How an entry is judged, from jest's JSON report:
//   killed    at least one test failed with the bug in place (what we want);
//   survived  every selected test passed: the suite would let this regression through;
//   broken    no test failed, but a test file could not run (the replacement does not compile, say): fix the entry.
// An entry whose search text is not found exactly once stops the run before anything is tested: the code it
// describes has moved or changed, and the entry must follow it.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const table = require(path.join(root, 'test', 'mutations', 'table.js'));

function parseArgs(argv) {
  const options = { only: undefined, list: false, baseline: true, tests: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--list') options.list = true;
    else if (arg === '--no-baseline') options.baseline = false;
    else if (arg === '--only') options.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg.startsWith('--only=')) options.only = arg.slice('--only='.length).split(',').filter(Boolean);
    else if (arg === '--tests') options.tests = (argv[++i] ?? '').split(',').filter(Boolean);
    else throw new Error(`unknown argument ${arg} (use --only <id,...>, --tests <file,...>, --list, --no-baseline)`);
  }
  return options;
}

/** The edits of an entry: its own file/search/replace, or its `edits` list (each may name another file). */
function editsOf(entry) {
  if (entry.edits) return entry.edits.map((edit) => ({ file: edit.file ?? entry.file, search: edit.search, replace: edit.replace }));
  return [{ file: entry.file, search: entry.search, replace: entry.replace }];
}

function occurrences(text, search) {
  let count = 0;
  for (let at = text.indexOf(search); at !== -1; at = text.indexOf(search, at + 1)) count += 1;
  return count;
}

/** Every problem with the table, checked against the working tree before anything runs. */
function validate(entries) {
  const problems = [];
  const ids = new Set();
  for (const entry of entries) {
    const name = entry.id ?? '(entry without id)';
    if (!entry.id || !entry.bug || !Array.isArray(entry.tests) || entry.tests.length === 0) {
      problems.push(`${name}: needs id, bug, and a non-empty tests list`);
      continue;
    }
    if (ids.has(entry.id)) problems.push(`${name}: duplicate id`);
    ids.add(entry.id);
    for (const test of entry.tests) if (!fs.existsSync(path.join(root, test))) problems.push(`${name}: test file ${test} does not exist`);
    for (const edit of editsOf(entry)) {
      const file = path.join(root, edit.file ?? '');
      if (!edit.file || !fs.existsSync(file)) {
        problems.push(`${name}: file ${edit.file} does not exist (has the code moved? update the entry)`);
        continue;
      }
      if (typeof edit.search !== 'string' || typeof edit.replace !== 'string' || edit.search === edit.replace) {
        problems.push(`${name}: search and replace must be different strings`);
        continue;
      }
      const found = occurrences(fs.readFileSync(file, 'utf8'), edit.search);
      if (found !== 1) {
        problems.push(`${name}: the search text occurs ${found} times in ${edit.file}, not once (has the code changed? update the entry):\n    ${JSON.stringify(edit.search)}`);
      }
    }
  }
  return problems;
}

/** Files of the checkout as they are in the working tree: tracked ones and new ones git does not ignore. */
function checkoutFiles() {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return listed.split('\0').filter((file) => file !== '' && fs.existsSync(path.join(root, file)));
}

/** A copy of the checkout in a new temporary directory, sharing node_modules (and ../shared) through symlinks. */
function makeCopy(scratch) {
  const copy = path.join(scratch, 'checkout');
  for (const file of checkoutFiles()) {
    const target = path.join(copy, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(root, file), target);
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  const shared = path.resolve(root, '..', 'shared');
  if (fs.existsSync(shared)) fs.symlinkSync(shared, path.join(scratch, 'shared'), 'dir');
  return copy;
}

let running; // the jest child process, killed with us on a signal

function runJest(copy, tests, testNamePattern, report) {
  const args = [path.join(copy, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--silent', '--json', `--outputFile=${report}`, ...tests];
  if (testNamePattern) args.push('-t', testNamePattern);
  return new Promise((resolve) => {
    running = spawn(process.execPath, args, { cwd: copy, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let stderr = '';
    running.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-20_000);
    });
    running.on('close', (code) => {
      running = undefined;
      let result;
      try {
        result = JSON.parse(fs.readFileSync(report, 'utf8'));
        fs.rmSync(report, { force: true });
      } catch {
        result = undefined;
      }
      resolve({ code, result, stderr });
    });
  });
}

/** killed / survived / broken, and the first failing test (what caught the bug). */
function verdict({ code, result, stderr }) {
  if (!result) return { outcome: 'broken', detail: `jest wrote no report (exit ${code}): ${stderr.trim().split('\n').slice(-5).join(' | ')}` };
  if (result.numFailedTests > 0) {
    const failed = result.testResults.flatMap((file) => file.assertionResults.filter((test) => test.status === 'failed').map((test) => `${path.basename(file.name)}: ${test.fullName}`));
    return { outcome: 'killed', detail: failed[0] ?? '' };
  }
  if (result.numRuntimeErrorTestSuites > 0 || !result.success) {
    const messages = result.testResults.filter((file) => file.status === 'failed').map((file) => (file.message ?? '').split('\n').find((line) => line.trim() !== '') ?? '');
    return { outcome: 'broken', detail: messages[0] ?? `jest exited ${code}` };
  }
  if (result.numPassedTests === 0) return { outcome: 'broken', detail: 'no test ran: check the tests and testNamePattern of the entry' };
  return { outcome: 'survived', detail: `${result.numPassedTests} tests passed with the bug in place` };
}

/**
 * The fewest jest runs that cover every test the entries select: per file, the union of the entries' name patterns
 * (the whole file when one entry takes all of it); files with the same pattern share a run.
 */
function baselineRuns(entries) {
  const patternsOf = new Map();
  for (const entry of entries) {
    for (const test of entry.tests) {
      const patterns = patternsOf.has(test) ? patternsOf.get(test) : new Set();
      if (patterns !== null) patternsOf.set(test, entry.testNamePattern === undefined ? null : patterns.add(entry.testNamePattern));
    }
  }
  const runs = new Map();
  for (const [test, patterns] of patternsOf) {
    const testNamePattern = patterns === null ? undefined : [...patterns].sort().map((pattern) => `(?:${pattern})`).join('|');
    const key = testNamePattern ?? '';
    if (!runs.has(key)) runs.set(key, { tests: [], testNamePattern });
    runs.get(key).tests.push(test);
  }
  return [...runs.values()];
}

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const selected = options.only ? table.filter((entry) => options.only.some((part) => entry.id.includes(part))) : table;
  const entries = options.tests ? selected.map((entry) => ({ ...entry, tests: options.tests, testNamePattern: undefined })) : selected;
  if (options.list) {
    for (const entry of table) process.stdout.write(`${entry.id}\n    ${entry.bug}\n    ${entry.tests.join(' ')}${entry.testNamePattern ? ` -t ${JSON.stringify(entry.testNamePattern)}` : ''}\n`);
    return 0;
  }
  if (entries.length === 0) throw new Error(`no entry matches --only ${options.only.join(',')}`);
  const problems = validate(entries);
  if (problems.length > 0) {
    process.stderr.write(`test/mutations/table.js needs attention:\n  ${problems.join('\n  ')}\n`);
    return 2;
  }

  const started = Date.now();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'scim-mutations-'));
  const cleanup = () => fs.rmSync(scratch, { recursive: true, force: true });
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      running?.kill('SIGKILL');
      cleanup();
      process.stderr.write(`\nstopped by ${signal}; the working tree was never changed\n`);
      process.exit(130);
    });
  }
  const copy = makeCopy(scratch);
  const report = path.join(scratch, 'jest-report.json');

  if (options.baseline) {
    // Without the bugs every selected test must pass, or a "killed" would mean nothing.
    for (const run of baselineRuns(entries)) {
      const since = Date.now();
      const baseline = verdict(await runJest(copy, run.tests, run.testNamePattern, report));
      if (baseline.outcome !== 'survived') {
        process.stderr.write(`The tests fail WITHOUT any bug put in (${baseline.outcome}: ${baseline.detail}); fix them first.\n`);
        return 1;
      }
      process.stdout.write(`baseline: ${run.tests.join(' ')}${run.testNamePattern ? ` -t ${JSON.stringify(run.testNamePattern)}` : ''} pass without bugs (${seconds(since)})\n`);
    }
  }

  const outcomes = [];
  for (const entry of entries) {
    const since = Date.now();
    const originals = new Map();
    for (const edit of editsOf(entry)) {
      const file = path.join(copy, edit.file);
      if (!originals.has(file)) originals.set(file, fs.readFileSync(file, 'utf8'));
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(edit.search, () => edit.replace));
    }
    let judged;
    try {
      judged = verdict(await runJest(copy, entry.tests, entry.testNamePattern, report));
    } finally {
      for (const [file, text] of originals) fs.writeFileSync(file, text);
    }
    outcomes.push({ entry, ...judged });
    process.stdout.write(`${judged.outcome.padEnd(8)} ${entry.id} (${seconds(since)})\n         ${judged.outcome === 'killed' ? `caught by ${judged.detail}` : `${entry.bug}: ${judged.detail}`}\n`);
  }

  const bad = outcomes.filter((outcome) => outcome.outcome !== 'killed');
  process.stdout.write(`\n${outcomes.length - bad.length} of ${outcomes.length} bugs caught in ${seconds(started)}\n`);
  for (const outcome of bad) process.stdout.write(`  ${outcome.outcome.toUpperCase()}: ${outcome.entry.id}: ${outcome.entry.bug}\n`);
  return bad.length === 0 ? 0 : 1;
}

// test/mutations/table.test.ts runs `validate` in `npm test`, so that moving code without its entry fails at once.
module.exports = { validate };

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
