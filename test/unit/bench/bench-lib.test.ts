// The benchmark's own logic (bench/): the generated directory, the peer adapter's paging and case-insensitive
// filters through SCIMMY itself, flag parsing, and the ratios and targets read from a report. No timing here.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const directory = require('../../../bench/lib/directory') as any;
const { createTable, declareResource } = require('../../../bench/peers/scimmy-adapter') as any;
const { parseArgs } = require('../../../bench/lib/args') as any;
const { checkTargets, markdownTable, formatReport, describeResult } = require('../../../bench/lib/report') as any;
const { startFlags } = require('../../../bench/lib/processes') as any;
const { SCIMMY } = require('scimmy-routers') as any;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('bench directory', () => {
  it('gives every user a distinct, well-formed id, userName and e-mail, the same on every call', () => {
    const ids = new Set<string>();
    const names = new Set<string>();
    const emails = new Set<string>();
    for (let index = 0; index < 5000; index++) {
      expect(directory.userId(index)).toMatch(UUID);
      ids.add(directory.userId(index));
      names.add(directory.userNameOf(index).toLowerCase());
      emails.add(directory.emailOf(index));
    }
    expect([ids.size, names.size, emails.size]).toEqual([5000, 5000, 5000]);
    expect(directory.userId(42)).toBe(directory.userId(42));
    expect(directory.groupId(0)).not.toBe(directory.userId(0));
  });

  it('mixes the case of a userName without changing it case-insensitively', () => {
    const name = directory.userNameOf(7);
    const mixed = directory.mixCase(name, 7);
    expect(mixed).not.toBe(name);
    expect(mixed.toLowerCase()).toBe(name.toLowerCase());
  });
});

describe('peer adapter on SCIMMY', () => {
  const total = 250;
  const users = createTable(SCIMMY, 'userName', { caseless: true });
  beforeAll(() => {
    for (let index = 0; index < total; index++) {
      const { schemas: _schemas, ...attributes } = directory.userBody(index);
      users.put({ ...attributes, id: directory.userId(index), meta: { resourceType: 'User', created: '2026-01-01T00:00:00.000Z', lastModified: '2026-01-01T00:00:00.000Z' } });
    }
    declareResource(SCIMMY, SCIMMY.Resources.User, users, 'User');
    SCIMMY.Resources.declare(SCIMMY.Resources.User);
  });

  it.each([1, 2, 10, 11, 12, 50, 120, 241, 250, 251])('serves the page at startIndex %i with the right rows and totalResults', async (startIndex) => {
    const list = await new SCIMMY.Resources.User({ startIndex, count: 10 }).read();
    const expected = Array.from({ length: Math.max(0, Math.min(10, total - startIndex + 1)) }, (_, i) => directory.userNameOf(startIndex - 1 + i));
    expect(list.totalResults).toBe(total);
    expect(list.Resources.map((user: any) => user.userName)).toEqual(expected);
  });

  it('matches userName and emails.value eq case-insensitively, and finds nothing for an unknown name', async () => {
    const byName = await new SCIMMY.Resources.User({ filter: `userName eq "${directory.userNameOf(33).toUpperCase()}"` }).read();
    expect(byName.Resources.map((user: any) => user.id)).toEqual([directory.userId(33)]);
    const byEmail = await new SCIMMY.Resources.User({ filter: `emails.value eq "${directory.mixCase(directory.emailOf(34), 1)}"` }).read();
    expect(byEmail.Resources.map((user: any) => user.id)).toEqual([directory.userId(34)]);
    const none = await new SCIMMY.Resources.User({ filter: 'userName eq "nobody@example.com"' }).read();
    expect(none.totalResults).toBe(0);
  });

  it('refuses a second user whose userName differs only in case, and keeps the first', async () => {
    const taken = directory.userNameOf(5).toLowerCase();
    await expect(new SCIMMY.Resources.User().write({ schemas: [directory.USER_SCHEMA], userName: taken })).rejects.toMatchObject({ status: 409, scimType: 'uniqueness' });
    expect(users.records.size).toBe(total);
  });
});

describe('bench server', () => {
  it('starts our server with the node flags of npm start, and none for a checkout whose start has none', () => {
    expect(startFlags(join(__dirname, '..', '..', '..'))).toEqual(['--max-semi-space-size=2']);
    const checkout = mkdtempSync(join(tmpdir(), 'bench-start-'));
    try {
      writeFileSync(join(checkout, 'package.json'), JSON.stringify({ scripts: { start: 'node dist/src/main.js' } }));
      expect(startFlags(checkout)).toEqual([]);
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });
});

describe('bench flags', () => {
  it('has the documented defaults', () => {
    const options = parseArgs([]);
    expect(options).toMatchObject({ n: 100000, duration: 10, warmup: 3, connections: 10, sizes: [1000, 10000, 100000], peer: true, rateLimit: 'on' });
    expect(parseArgs(['--rate-limit', 'off']).rateLimit).toBe('off');
    expect(parseArgs(['--rate-limit=compare']).rateLimit).toBe('compare');
    expect(options.scenarios).toContain('get-by-id');
  });

  it('reads values in both --name value and --name=value forms', () => {
    const options = parseArgs(['--n', '2000', '--duration=3', '--scenarios', 'get,eq-email', '--sizes=1000,2000', '--no-peer', '--server-cpus', '0', '--load-cpus=1']);
    expect(options).toMatchObject({ n: 2000, duration: 3, scenarios: ['get-by-id', 'filter emails.value eq'], sizes: [1000, 2000], peer: false, serverCpus: '0', loadCpus: '1' });
  });

  it.each([
    [['--n', '0'], '--n must be a positive integer'],
    [['--scenarios', 'get,nope'], 'Unknown scenario nope'],
    [['--server-cpus', 'all'], '--server-cpus must be a CPU list'],
    [['--frobnicate'], 'Unknown option --frobnicate'],
    [['--duration'], '--duration needs a value'],
    [['--rate-limit', 'maybe'], '--rate-limit must be on, off or compare'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('bench report', () => {
  const run = (requestsPerSecond: number, extra: Record<string, unknown> = {}) => ({
    requests: Math.round(requestsPerSecond * 10),
    requestsPerSecond,
    unitsPerSecond: requestsPerSecond,
    unit: 'requests',
    p50: 1,
    p99: 2,
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    mismatches: 0,
    seconds: 10,
    peakRssMiB: 100,
    serverCpuPercent: 90,
    ...extra,
  });
  const report = {
    startedAt: '2026-12-01T20:00:00.000Z',
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 8, node: 'v20', platform: 'Linux' },
    options: { n: 100000, connections: 10, warmup: 3, duration: 10, peer: true },
    seeding: { main: { n: 100000, seconds: 10, usersPerSecond: 10000, method: 'createMany' } },
    ceiling: { get: run(10000), post: run(8000) },
    scenarios: [
      { name: 'get-by-id', ceiling: 'get', unit: 'requests', ours: run(7000), peer: run(1000) },
      { name: 'filter userName eq', ceiling: 'get', unit: 'requests', ours: run(4000), peer: run(0, { requests: 0 }) },
      { name: 'PATCH replace', ceiling: 'post', unit: 'requests', ours: { skipped: 'no PATCH' } },
    ],
    scaling: [
      { n: 1000, results: { 'filter userName eq': run(6000) } },
      { n: 100000, results: { 'filter userName eq': run(4000) } },
    ],
  };

  it('checks the targets against the ceiling, the smallest directory and the peer', () => {
    const targets = checkTargets(report);
    const byName = (name: string) => targets.find((target: any) => target.name === name);
    expect(byName('get-by-id vs ceiling GET')).toMatchObject({ status: 'met', value: 0.7 });
    expect(byName('filter userName eq vs ceiling GET')).toMatchObject({ status: 'MISSED', value: 0.4 });
    expect(byName('filter userName eq at N=100000 vs N=1000')).toMatchObject({ status: 'MISSED' });
    expect(byName('get-by-id vs peer')).toMatchObject({ status: 'met', value: 7 });
    // The peer completed nothing: there is no ratio to claim.
    expect(byName('filter userName eq vs peer')).toMatchObject({ status: 'n/a' });
    expect(byName('PATCH vs ceiling POST')).toMatchObject({ status: 'n/a' });
  });

  it('renders the README block with the machine, the skipped reason and no ratio against a peer that completed nothing', () => {
    const markdown = markdownTable({ ...report, targets: checkTargets(report) });
    expect(markdown).toContain('`nproc` = 2 × Test CPU');
    expect(markdown).toContain('| get-by-id | 7000 | 1.0 | 2.0 | 0 | 0 | 0 | 100 | 90 | 1000 | 2.0 | 100 | 7.00x | 70% |');
    expect(markdown).toContain('| filter userName eq | 4000 | 1.0 | 2.0 | 0 | 0 | 0 | 100 | 90 | 0 (none in 10 s) | - | 100 | - | 40% |');
    expect(markdown).toContain('PATCH replace [ours]: skipped: no PATCH');
  });

  it('is one table: the smaller directories are rows of it, not a second table', () => {
    const markdown = markdownTable({ ...report, targets: checkTargets(report) });
    expect(markdown.split('\n').filter((line: string) => line.startsWith('| scenario |'))).toHaveLength(1);
    expect(markdown).toContain('| filter userName eq at N=1000 | 6000 | 1.0 | 2.0 | 0 | 0 | 0 | 100 | 90 |  |  |  |  | 60% |');
    expect(markdown).toContain("The project's targets, checked on this run:");
    expect(markdown).not.toMatch(/issue 9/);
  });

  it('has no peer columns, notes or targets when the peer did not run', () => {
    const scenarios = report.scenarios.map(({ peer: _peer, ...row }) => row);
    const alone = { ...report, options: { ...report.options, peer: false }, scenarios };
    const markdown = markdownTable({ ...alone, targets: checkTargets(alone) });
    expect(markdown).toContain('| scenario | ours/s | p50 ms | p99 ms | err | non-2xx | bad body | RSS MiB | CPU % | our/ceiling |');
    expect(markdown).toContain('| get-by-id | 7000 | 1.0 | 2.0 | 0 | 0 | 0 | 100 | 90 | 70% |');
    expect(markdown).not.toMatch(/peer/);
    expect(formatReport({ ...alone, targets: checkTargets(alone) })).not.toMatch(/peer/);
  });

  it('reads the cost of rate limiting from the alternating runs as server CPU per request, against the 10% target', () => {
    // get-by-id: 90% CPU at 1000 req/s with the limits (0.9 ms a request) against 88% at 1000 req/s without (0.88 ms).
    // create: 50% at 100 req/s (5 ms) against 40% at 100 req/s (4 ms): 25% more.
    const compared = {
      ...report,
      options: { ...report.options, rateLimit: 'compare' },
      rateLimitCost: [
        { name: 'get-by-id', off: [run(1000, { serverCpuPercent: 88 }), run(1000, { serverCpuPercent: 88 })], on: [run(1000, { serverCpuPercent: 90 }), run(1000)] },
        { name: 'create', off: [run(100, { serverCpuPercent: 40 })], on: [run(100, { serverCpuPercent: 50 }), { failed: 'timeout' }] },
      ],
    };
    const targets = checkTargets(compared);
    const byName = (name: string) => targets.find((target: any) => target.name === name);
    expect(byName('rate limiting on get-by-id')).toMatchObject({ status: 'met', detail: '+2.3% server CPU per request (target under 10%)' });
    expect(byName('rate limiting on create')).toMatchObject({ status: 'MISSED', value: expect.closeTo(0.25, 6) });
    const text = formatReport({ ...compared, targets });
    expect(text).toContain('Rate limiting on vs off, get-by-id (2 alternating runs each): server CPU 0.900 vs 0.880 ms per request (+2.3%), 1000 vs 1000 req/s (+0.0%)');
    expect(text).toContain('Rate limiting on vs off, create (1 alternating run each)');
    expect(markdownTable({ ...compared, targets })).toContain('- Rate limiting on vs off, get-by-id');
    // Without compare runs, no such lines and no such targets.
    expect(checkTargets(report).some((target: any) => target.name.startsWith('rate limiting'))).toBe(false);
  });

  it('reads what ours costs more than a baseline commit from the alternating runs, against the same 10% target', () => {
    const compared = {
      ...report,
      options: { ...report.options, baseline: '../before' },
      baselineCost: [{ name: 'get-by-id', baseline: 'cee97ec', off: [run(1000, { serverCpuPercent: 80 })], on: [run(1000, { serverCpuPercent: 84 })] }],
    };
    const targets = checkTargets(compared);
    expect(targets.find((target: any) => target.name === 'ours vs baseline on get-by-id')).toMatchObject({ status: 'met', detail: '+5.0% server CPU per request against cee97ec (target under 10%)' });
    expect(formatReport({ ...compared, targets })).toContain('Ours vs baseline cee97ec, get-by-id (1 alternating run each): server CPU 0.840 vs 0.800 ms per request (+5.0%)');
    expect(parseArgs(['--baseline', '../before']).baseline).toBe('../before');
    expect(checkTargets(report).some((target: any) => target.name.startsWith('ours vs baseline'))).toBe(false);
  });

  it('writes progress lines in the unit of the table row', () => {
    expect(describeResult(run(1234))).toMatch(/^1234 req\/s, p50 1 ms, p99 2 ms/);
    expect(describeResult({ ...run(2), unit: 'users', unitsPerSecond: 2000 })).toMatch(/^2000 users\/s, /);
  });

});
