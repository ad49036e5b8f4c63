// The conformance runner's own logic: command line, known-deviations file, README table.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The runner is plain Node (CommonJS) so that it runs without a build step.
const { parseArgs, UsageError, missingSuiteMessage } = require('../../../conformance/lib/args');
const { loadKnownDeviations, readmeTable, updateReadme, staleDeviations } = require('../../../conformance/lib/report');
const { declaredAssertions, withoutFolders } = require('../../../conformance/lib/newman-suite');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'conformance-runner-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('parseArgs', () => {
  it('runs every suite by default, with the shared suite paths beside the repository', () => {
    const options = parseArgs([]);
    expect(options.suites).toEqual(['own', 'microsoft', 'okta', 'okta-2019']);
    expect(options.paths.microsoft).toMatch(/shared[\\/]conformance[\\/]microsoft-scim-tests[\\/]PostmanCollection\.no-token\.json$/);
  });

  it('runs only our own suite against a deployment', () => {
    const options = parseArgs(['--url', 'https://scim.example.com/scim/v2/', '--token=T']);
    expect(options).toMatchObject({ url: 'https://scim.example.com/scim/v2', token: 'T', suites: ['own'] });
  });

  it.each([
    [['--url', 'https://x/scim/v2'], '--url needs --token'],
    [['--url', 'not a url', '--token', 'T'], 'absolute URL'],
    [['--only', 'own,nope'], 'Unknown suite "nope"'],
    [['--frobnicate'], 'Unknown option --frobnicate'],
    [['--okta'], 'needs a value'],
    [['stray'], 'Unexpected argument'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('known deviations', () => {
  it('loads entries that name suite, assertion and reason', () => {
    const file = path.join(dir, 'k.json');
    writeFileSync(file, JSON.stringify([{ suite: 'microsoft', assertion: 'a › b', reason: 'RFC 7643 §4.2' }]));
    expect(loadKnownDeviations(file)).toHaveLength(1);
  });

  it('refuses an entry without a reason', () => {
    const file = path.join(dir, 'k.json');
    writeFileSync(file, JSON.stringify([{ suite: 'microsoft', assertion: 'a › b', reason: ' ' }]));
    expect(() => loadKnownDeviations(file)).toThrow('needs a non-empty "reason"');
  });

  it('keeps the committed file valid', () => {
    const entries = loadKnownDeviations(path.join(__dirname, '../../../conformance/known-deviations.json'));
    for (const entry of entries) expect(entry.reason).toMatch(/RFC \d+/);
  });
});

describe('README table', () => {
  const summaries = [
    { suite: 'own', title: 'Own', total: 10, passed: 10, failed: 0, skipped: 2, deviations: 0 },
    { suite: 'microsoft', title: 'Microsoft', total: 107, passed: 106, failed: 0, skipped: 0, deviations: 1 },
  ];

  it('lists passed / total and the date per suite, and explains deviations', () => {
    const table = readmeTable(summaries, '2026-12-01', [{ suite: 'microsoft', assertion: 'x › y', reason: 'RFC 7643 §4.2 says so' }]);
    expect(table).toContain('| Own | 10 / 10 (2 skipped (feature not advertised)) | 2026-12-01 |');
    expect(table).toContain('| Microsoft | 106 / 107 (1 known deviation, see below) | 2026-12-01 |');
    expect(table).toContain('- microsoft, "x › y": RFC 7643 §4.2 says so');
  });

  it('replaces only the text between the markers', () => {
    const file = path.join(dir, 'README.md');
    writeFileSync(file, 'before\n<!-- conformance-table:start -->\nold\n<!-- conformance-table:end -->\nafter\n');
    updateReadme(file, 'new table');
    expect(readFileSync(file, 'utf8')).toBe('before\n<!-- conformance-table:start -->\nnew table\n<!-- conformance-table:end -->\nafter\n');
  });

  it('refuses a README without markers and leaves it alone', () => {
    const file = path.join(dir, 'README.md');
    writeFileSync(file, 'no markers\n');
    expect(() => updateReadme(file, 'x')).toThrow('markers');
    expect(readFileSync(file, 'utf8')).toBe('no markers\n');
  });
});

describe('declaredAssertions', () => {
  it('counts pm.test calls in every script of a collection', () => {
    const collection = {
      event: [{ script: { exec: ['pm.test("a", f);'] } }],
      item: [{ item: [{ event: [{ script: { exec: ['pm.test("b", f);', 'pm.test("c", f);', 'console.log(1)'] } }] }] }],
    };
    expect(declaredAssertions(collection)).toBe(3);
  });
});

describe('third-party suites that are not there', () => {
  it.each([
    ['microsoft', '--microsoft <file>', 'AzureAD/SCIMReferenceCode'],
    ['okta', '--okta <file>', 'okta/okta-developer-docs'],
    ['okta-2019', '--okta-2019 <file>', '2019 version'],
  ])('%s: says where to obtain it and which flag takes it', (suite, flag, source) => {
    const message = missingSuiteMessage(suite, '/nowhere/suite.json');
    expect(message).toMatch(new RegExp(`^SKIPPED ${suite}: no suite file at /nowhere/suite.json\\. `));
    expect(message).toContain(flag);
    expect(message).toContain(source);
    expect(message).toContain('--only');
  });

  it('reports no stale known deviation for a suite that did not run', () => {
    const deviations = [
      { suite: 'microsoft', assertion: 'a › b', reason: 'RFC' },
      { suite: 'okta', assertion: 'c › d', reason: 'RFC' },
    ];
    const used = new Set([deviations[1]]);
    expect(staleDeviations(deviations, used, ['own', 'okta'])).toEqual([]);
    expect(staleDeviations(deviations, new Set(), ['own', 'microsoft'])).toEqual([deviations[0]]);
  });

  it('leaves out the named top-level folders (Microsoft\'s "Get Token")', () => {
    const collection = { info: {}, item: [{ name: 'Get Token' }, { name: 'Users' }] };
    expect(withoutFolders(collection, ['Get Token']).item).toEqual([{ name: 'Users' }]);
    expect(withoutFolders(collection, [])).toBe(collection);
  });
});
