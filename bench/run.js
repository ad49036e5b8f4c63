#!/usr/bin/env node
// `npm run bench`: seeds a fresh embedded store with N users, starts our server, the bare-Express ceiling and the
// scimmy peer as child processes, drives every scenario with autocannon from a separate load-generator process,
// then prints a table of throughput, latency, errors, peak memory and ratios, and writes it as JSON to
// bench/results/. See README "Performance".
'use strict';
const { URLSearchParams } = require('node:url');
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('./lib/args');
const { GROUP_SCHEMA, PATCH_SCHEMA, groupId, userId } = require('./lib/directory');
const { awaitIdle, cpuSeconds, freePort, peakRssMiB, request, resetPeakRss, startFlags, startLoadGenerator, startServer } = require('./lib/processes');
const { formatReport, markdownTable, checkTargets, describeResult } = require('./lib/report');
const { SCENARIOS, SCENARIO_KEYS, PAGE } = require('./lib/scenarios');
const { seedOurs } = require('./lib/seed');
const { measureTransfer } = require('./lib/transfer');

const ROOT = path.resolve(__dirname, '..');
const BASE_PATH = '/scim/v2';
const GROUP_SIZE_LIMIT = 100_000;
const MEMBER_CHUNK = 1000;
const BULK_OPERATIONS = 1000;
const DEEP_CURSOR_PAGES = 1000;
/** README "Roles": the catalogue the role scenarios grant from. */
const ROLE_SCHEMA = 'urn:scim-server:params:scim:schemas:roles:2.0:Role';
const BENCH_ROLES = 10;
/** Users given a password for the credential check (each costs one hash at the server's parameters to set). */
const SIGN_IN_USERS = 40;
const LIFECYCLE_SCHEMA = 'urn:scim-server:params:scim:schemas:extension:lifecycle:2.0:User';
// Outside the repository, so that profiles never show up as untracked files.
const PROFILE_DIR = path.join(os.tmpdir(), 'scim-bench-profiles');

const log = (line) => process.stderr.write(`${line}\n`);

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(options.usage);
    return;
  }
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-if-needed.js')], { stdio: 'inherit', cwd: ROOT });
  } catch (error) {
    // tsc still writes JavaScript when it reports type errors; measure that build, but say so.
    if (!existsSync(path.join(ROOT, 'dist', 'src', 'main.js'))) throw error;
    log('WARNING: the build reported errors (above); benchmarking the JavaScript it emitted in dist/.');
  }

  const work = mkdtempSync(path.join(os.tmpdir(), 'scim-bench-'));
  const cleanups = [() => rmSync(work, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step();
    cleanups.length = 0;
  };
  process.once('SIGINT', () => cleanup().finally(() => process.exit(130)));

  try {
    const report = await runAll(options, work, cleanups);
    process.stdout.write(`\n${formatReport(report)}\n`);
    const resultsDir = path.join(__dirname, 'results');
    mkdirSync(resultsDir, { recursive: true });
    const stamp = report.startedAt.replace(/[:.]/g, '-');
    const json = `${JSON.stringify(report, null, 2)}\n`;
    writeFileSync(path.join(resultsDir, `${stamp}.json`), json);
    writeFileSync(path.join(resultsDir, 'latest.json'), json);
    const markdown = markdownTable(report);
    if (options.updateReadme) {
      updateReadme(markdown);
      process.stdout.write('\nREADME.md "Performance" table updated.\n');
    } else process.stdout.write(`\nMarkdown (README "Performance", or run with --update-readme):\n\n${markdown}\n`);
    process.stdout.write(`\nJSON: bench/results/${stamp}.json\n`);
    if (options.profile) process.stdout.write(`CPU profiles of our server (written when it stops): ${PROFILE_DIR}\n`);
  } finally {
    await cleanup();
  }
}

/** Replaces only what lies between the bench-table markers of README.md. */
function updateReadme(markdown) {
  const file = path.join(ROOT, 'README.md');
  const text = readFileSync(file, 'utf8');
  const start = '<!-- bench-table:start -->';
  const end = '<!-- bench-table:end -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`README.md has no ${start} … ${end} markers`);
  writeFileSync(file, `${text.slice(0, from + start.length)}\n${markdown}\n${text.slice(to)}`);
}

async function runAll(options, work, cleanups) {
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
  const report = { startedAt: new Date().toISOString(), machine, options: publicOptions(options), seeding: {}, ceiling: {}, scenarios: [], scaling: [] };
  log(`Machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}`);

  const load = startLoadGenerator(path.join(__dirname, 'lib', 'load-process.js'), { cpus: options.loadCpus });
  cleanups.push(() => load.stop());
  // Every live server, so that a measurement starts only once all of them have drained the previous run's requests
  // (a server still working through a backlog would take CPU from the one being measured).
  const live = new Set();
  const measure = (server, scenario, target) =>
    measureOn(load, server, scenario, target, options, live).catch((error) => ({ failed: error.message.split('\n')[0] }));

  // Our server on a freshly seeded file.
  const ours = await startOurs({ n: options.n, work, options, report, cleanups, label: 'main' });
  const ourTarget = await prepareTarget(ours, { token: ours.token, credentialsToken: ours.credentialsToken, n: options.n, runTag: 'o' }, { groupVia: 'http' });

  // The peer, seeded in its own memory with the same users and the same big group.
  let peer = null;
  let peerTarget = null;
  if (options.peer) {
    const token = 'bench-peer-token-0123456789abcdef0123456789';
    const groupMembers = Math.min(options.n, GROUP_SIZE_LIMIT);
    const port = await freePort();
    const startPeer = () =>
      startServer('scimmy peer', path.join(__dirname, 'peers', 'scimmy-server.js'), {
        port,
        env: { BENCH_TOKEN: token, BENCH_N: String(options.n), BENCH_GROUP_MEMBERS: String(groupMembers) },
        cpus: options.serverCpus,
      });
    // The peer keeps its state in memory: a restart (after a run it could not finish) re-seeds the same directory.
    const restartable = async (server) => {
      const handle = {
        ...server,
        restart: async () => {
          await handle.current.stop();
          handle.current = await startPeer();
          Object.assign(handle, { pid: handle.current.pid, output: handle.current.output });
        },
        stop: () => handle.current.stop(),
        stopped: () => handle.current.stopped(),
        current: server,
      };
      return handle;
    };
    peer = await restartable(await startPeer());
    cleanups.push(() => peer.stop());
    log(peer.output().trim());
    peerTarget = await prepareTarget(peer, { token, n: options.n, runTag: 'p' }, { groupVia: 'seeded', groupId: groupId(0), groupMembers });
  }

  // The ceiling, measured before and after the scenarios (the mean is used), as the machine's load drifts.
  const ceiling = await startServer('ceiling', path.join(__dirname, 'ceiling', 'ceiling-server.js'), { port: await freePort(), cpus: options.serverCpus });
  cleanups.push(() => ceiling.stop());
  const ceilingRuns = { get: [], post: [] };
  const measureCeiling = async () => {
    for (const kind of ['get', 'post']) {
      log(`ceiling ${kind.toUpperCase()} ...`);
      ceilingRuns[kind].push(await measure(ceiling, `ceiling ${kind}`, { basePath: '', n: options.n, runTag: 'c' }));
    }
  };
  await measureCeiling();

  for (const scenario of SCENARIOS.filter((candidate) => options.scenarios.includes(candidate.name))) {
    const row = { name: scenario.name, ceiling: scenario.ceiling, unit: scenario.unit ?? 'requests' };
    for (const [key, server, target] of [
      ['ours', ours, ourTarget],
      ['peer', peer, peerTarget],
    ]) {
      if (!server) continue;
      const why = key === 'peer' && scenario.oursOnly ? `not run on the peer: ${scenario.oursOnly}` : missing(scenario, target);
      if (why) {
        row[key] = { skipped: why };
        log(`${scenario.name} [${key}]: skipped: ${why}`);
        continue;
      }
      log(`${scenario.name} [${key}] ...`);
      row[key] = await measure(server, scenario.name, target);
      log(`  ${describeResult(row[key])}`);
    }
    report.scenarios.push(row);
  }

  if (options.rateLimit === 'compare') report.rateLimitCost = await compareRateLimiting({ ours, ourTarget, options, cleanups, measure });
  if (options.baseline) report.baselineCost = await compareWithBaseline({ ours, ourTarget, options, work, cleanups, measure });
  // README "Roles": one role granted to every user of the directory through Bulk, once, on our server.
  if (options.scenarios.includes(SCENARIO_KEYS['bulk-roles']) && !ourTarget.unsupported.roles) {
    report.roleGrant = await grantRoleToEveryone(ours, ourTarget).catch((error) => ({ failed: error.message.split('\n')[0] }));
  }

  // README "Export and import": every user out into a file and back into an empty tenant, once, on our server.
  if (options.scenarios.includes(SCENARIO_KEYS.transfer)) {
    report.transfer = await measureTransfer({ server: ours, basePath: BASE_PATH, exportToken: ours.exportToken, importToken: ours.importToken, n: options.n, work, log }).catch((error) => ({
      failed: error.message.split('\n')[0],
    }));
  }

  await measureCeiling();
  report.ceiling = {
    get: meanOf(ceilingRuns.get),
    post: meanOf(ceilingRuns.post),
  };

  // Directory-size scaling: the eq filters and cursor paging on a fresh store of each size.
  const scaling = SCENARIOS.filter((scenario) => scenario.scaling && options.scenarios.includes(scenario.name));
  for (const size of options.sizes) {
    if (size > options.n) continue;
    const entry = { n: size, results: {} };
    if (size === options.n) {
      for (const scenario of scaling) entry.results[scenario.name] = report.scenarios.find((row) => row.name === scenario.name)?.ours;
    } else {
      const small = await startOurs({ n: size, work, options, report, cleanups, label: `n${size}` });
      // The same state as the main server (every user in one big group), so that only the directory size differs.
      const target = await prepareTarget(small, { token: small.token, n: size, runTag: `s${size}` }, { groupVia: 'http' });
      for (const scenario of scaling) {
        const why = missing(scenario, target);
        if (why) {
          entry.results[scenario.name] = { skipped: why };
          continue;
        }
        log(`scaling N=${size}: ${scenario.name} ...`);
        entry.results[scenario.name] = await measure(small, scenario.name, target);
        log(`  ${describeResult(entry.results[scenario.name])}`);
      }
      await small.stop();
    }
    report.scaling.push(entry);
  }

  report.targets = checkTargets(report);
  report.finishedAt = new Date().toISOString();
  return report;
}

/** Seeds a fresh SQLite file with n users, then starts our server on it. */
async function startOurs({ n, work, options, report, cleanups, label }) {
  const file = path.join(work, `${label}.db`);
  log(`Seeding ${n} users into ${file} ...`);
  const seeded = await seedOurs({ file, n });
  log(`  ${n} users in ${seeded.seconds.toFixed(2)} s: ${Math.round(seeded.usersPerSecond)} users/s (store ${seeded.method})`);
  report.seeding[label] = { n, seconds: seeded.seconds, usersPerSecond: seeded.usersPerSecond, method: seeded.method };
  const server = await startServer(`our server (N=${n})`, path.join(ROOT, 'dist', 'src', 'main.js'), {
    port: await freePort(),
    env: { SCIM_STORE: `sqlite:${file}`, SCIM_LOG_LEVEL: 'warn', ...rateLimitEnv(options.rateLimit) },
    cpus: options.serverCpus,
    nodeOptions: [...startFlags(ROOT), ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [])],
  });
  cleanups.push(() => server.stop());
  return { ...server, token: seeded.token, credentialsToken: seeded.credentialsToken, exportToken: seeded.exportToken, importToken: seeded.importToken, file };
}

/** The scenarios whose cost of rate limiting the issue asks for (README "Rate limits"), and how many runs of each. */
const RATE_LIMIT_SCENARIOS = ['get-by-id', 'create'];
const RATE_LIMIT_ROUNDS = 3;
/**
 * --baseline: the scenarios run on both commits (PATCH too: group commit changes the write path; the userName lookup and
 * cursor pages: the read path's own targets), and how many times. Each only when --scenarios selects it.
 */
const BASELINE_SCENARIOS = ['get-by-id', 'filter userName eq', 'list cursor page 1', 'list cursor walk', 'create', 'PATCH replace'];
const BASELINE_ROUNDS = 5;

/**
 * --rate-limit compare: a second server without rate limiting on the same store file and token, then each scenario
 * alternately on it and on ours (off, on, off, on…), so that the machine's drifting load falls on both alike.
 */
async function compareRateLimiting({ ours, ourTarget, options, cleanups, measure }) {
  const unlimited = await startServer('our server, no rate limiting', path.join(ROOT, 'dist', 'src', 'main.js'), {
    port: await freePort(),
    env: { SCIM_STORE: `sqlite:${ours.file}`, SCIM_LOG_LEVEL: 'warn', ...rateLimitEnv('off') },
    cpus: options.serverCpus,
    nodeOptions: startFlags(ROOT),
  });
  cleanups.push(() => unlimited.stop());
  const rows = [];
  for (const scenario of SCENARIOS.filter((candidate) => RATE_LIMIT_SCENARIOS.includes(candidate.name) && options.scenarios.includes(candidate.name))) {
    const row = { name: scenario.name, off: [], on: [] };
    for (let round = 1; round <= RATE_LIMIT_ROUNDS; round++) {
      for (const [mode, server] of [
        ['off', unlimited],
        ['on', ours],
      ]) {
        log(`${scenario.name}, rate limiting ${mode} (${round} of ${RATE_LIMIT_ROUNDS}) ...`);
        const result = await measure(server, scenario.name, ourTarget);
        log(`  ${describeResult(result)}`);
        row[mode].push(result);
      }
    }
    rows.push(row);
  }
  await unlimited.stop();
  return rows;
}

/**
 * --baseline <dir>: the server of another commit's build, on a file seeded by that commit's own seeding code (a store
 * file of a newer version is refused by an older server), with the same rate-limit settings; then the BASELINE_SCENARIOS
 * selected alternately on it and on ours (baseline, ours, baseline, ours…), as --rate-limit compare does. The rows have the
 * shape of the rate-limit comparison: `off` is the baseline, `on` is ours.
 */
async function compareWithBaseline({ ours, ourTarget, options, work, cleanups, measure }) {
  const dir = path.resolve(options.baseline);
  const main = path.join(dir, 'dist', 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`--baseline ${options.baseline}: no ${main}; run npm run build in that checkout first`);
  const label = baselineLabel(dir);
  const file = path.join(work, 'baseline.db');
  log(`Seeding ${options.n} users into ${file} with the baseline's code (${label}) ...`);
  const { seedOurs: seedBaseline } = require(path.join(dir, 'bench', 'lib', 'seed.js'));
  const seeded = await seedBaseline({ file, n: options.n });
  const baseline = await startServer(`baseline server (${label})`, main, {
    port: await freePort(),
    env: { SCIM_STORE: `sqlite:${file}`, SCIM_LOG_LEVEL: 'warn', ...rateLimitEnv(options.rateLimit === 'off' ? 'off' : 'on') },
    cpus: options.serverCpus,
    // As that commit's own `npm start` runs it.
    nodeOptions: startFlags(dir),
  });
  cleanups.push(() => baseline.stop());
  const baselineTarget = await prepareTarget(baseline, { token: seeded.token, credentialsToken: seeded.credentialsToken, n: options.n, runTag: 'b' }, { groupVia: 'http' });
  const rows = [];
  for (const scenario of SCENARIOS.filter((candidate) => BASELINE_SCENARIOS.includes(candidate.name) && options.scenarios.includes(candidate.name))) {
    const row = { name: scenario.name, baseline: label, off: [], on: [] };
    for (let round = 1; round <= BASELINE_ROUNDS; round++) {
      for (const [mode, server, target] of [
        ['off', baseline, baselineTarget],
        ['on', ours, ourTarget],
      ]) {
        log(`${scenario.name}, ${mode === 'off' ? `baseline ${label}` : 'ours'} (${round} of ${BASELINE_ROUNDS}) ...`);
        const result = await measure(server, scenario.name, target);
        log(`  ${describeResult(result)}`);
        row[mode].push(result);
      }
    }
    rows.push(row);
  }
  await baseline.stop();
  return rows;
}

/** The commit a baseline checkout is at (short hash and subject), or its folder name when git cannot say. */
function baselineLabel(dir) {
  try {
    return execFileSync('git', ['-C', dir, 'log', '-1', '--format=%h'], { encoding: 'utf8' }).trim();
  } catch {
    return path.basename(dir);
  }
}

/**
 * `on`: the limits are checked on every request (the production path) but set far above any load the bench makes, so
 * that what is measured is their cost, not refusals; `off`: no rate limiting at all (README "Rate limits").
 */
function rateLimitEnv(mode) {
  if (mode === 'off') return { SCIM_RATE_LIMIT_TOKEN: '0', SCIM_RATE_LIMIT_TENANT: '0' };
  return { SCIM_RATE_LIMIT_TOKEN: '1000000', SCIM_RATE_LIMIT_TENANT: '1000000' };
}

/** What a server supports (RFC 7643 §5 ServiceProviderConfig, plus probes), and the set-up its scenarios need. */
async function prepareTarget(server, base, { groupVia, groupId: seededGroupId, groupMembers }) {
  const auth = { authorization: `Bearer ${base.token}` };
  const scim = `${server.origin}${BASE_PATH}`;
  const target = { ...base, basePath: BASE_PATH, unsupported: {} };

  const config = await request(`${scim}/ServiceProviderConfig`, { headers: auth });
  const spc = config.status === 200 && config.json ? config.json : {};
  target.spc = spc;
  const patch = spc.patch?.supported === true;
  if (!patch) target.unsupported.patch = `${server.name} does not support PATCH (ServiceProviderConfig patch.supported is not true)`;

  const bulk = spc.bulk ?? {};
  if (bulk.supported !== true) target.unsupported.bulk = `${server.name} does not support Bulk (ServiceProviderConfig bulk.supported is not true)`;
  else if (Number(bulk.maxOperations) < BULK_OPERATIONS) target.unsupported.bulk = `${server.name} allows ${bulk.maxOperations} operations per Bulk request, fewer than ${BULK_OPERATIONS}`;
  target.bulkOperations = BULK_OPERATIONS;

  const context = { server, scim, auth, base, target, patch };
  // A set-up that fails (a server mid-change, a timeout) costs only the scenarios that need it.
  for (const [capability, prepare] of [
    ['cursor', () => prepareCursor(context)],
    ['groups', () => prepareGroup(context, { groupVia, seededGroupId, groupMembers })],
    ['roles', () => prepareRoles(context)],
    ['lifecycle', () => prepareLifecycle(context)],
  ]) {
    try {
      await prepare();
    } catch (error) {
      target.unsupported[capability] = `set-up failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return target;
}

/** README "Roles": a catalogue of BENCH_ROLES roles (a server without /Roles cannot run the role scenarios). */
async function prepareRoles({ server, scim, auth, target }) {
  const names = Array.from({ length: BENCH_ROLES }, (_, index) => `bench-role-${index}`);
  for (const name of names) {
    const created = await request(`${scim}/Roles`, { method: 'POST', headers: auth, body: { schemas: [ROLE_SCHEMA], name } });
    if (created.status !== 201) {
      target.unsupported.roles = `${server.name} has no role catalogue (POST /Roles answered ${created.status})`;
      return;
    }
  }
  target.roleNames = names;
}

/**
 * Grants one new role to all N users through Bulk requests of bulkOperations PATCH operations each, one request after
 * the other, then checks that every user holds it (the indexed roles.value filter) and that a sample of users moved by
 * exactly one version: each user's change is one delta write.
 */
async function grantRoleToEveryone(server, target) {
  const scim = `${server.origin}${BASE_PATH}`;
  const auth = { authorization: `Bearer ${target.token}` };
  const role = 'bench-everyone';
  const created = await request(`${scim}/Roles`, { method: 'POST', headers: auth, body: { schemas: [ROLE_SCHEMA], name: role } });
  if (created.status !== 201) throw new Error(`POST /Roles answered ${created.status}`);
  const sample = [0, Math.floor(target.n / 2), target.n - 1];
  // The ETag is the version (W/"<n>").
  const versionsOf = async () => Promise.all(sample.map(async (index) => Number(/\d+/.exec(String((await request(`${scim}/Users/${userId(index)}?attributes=id`, { headers: auth })).headers.etag))?.[0])));
  const before = await versionsOf();
  log(`granting ${role} to ${target.n} users through Bulk (${target.bulkOperations} per request) ...`);
  const started = process.hrtime.bigint();
  for (let from = 0; from < target.n; from += target.bulkOperations) {
    const Operations = [];
    for (let index = from; index < Math.min(target.n, from + target.bulkOperations); index++) {
      Operations.push({ method: 'PATCH', path: `/Users/${userId(index)}`, data: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'roles', value: [{ value: role }] }] } });
    }
    const answer = await request(`${scim}/Bulk`, { method: 'POST', headers: auth, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations } });
    const failed = answer.json?.Operations?.find((operation) => !String(operation.status).startsWith('2'));
    if (answer.status !== 200 || failed) throw new Error(`Bulk at user ${from} answered ${answer.status}: ${JSON.stringify(failed ?? answer.text.slice(0, 200))}`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const holders = (await request(`${scim}/Users?${new URLSearchParams({ filter: `roles.value eq "${role}"`, count: '0' })}`, { headers: auth })).json?.totalResults;
  const after = await versionsOf();
  const oneWriteEach = sample.every((_, i) => after[i] === before[i] + 1);
  const result = { users: target.n, seconds, usersPerSecond: target.n / seconds, holders, oneWriteEach };
  log(`  ${target.n} users in ${seconds.toFixed(1)} s = ${Math.round(result.usersPerSecond)} users/s; holders ${holders}; one version more each: ${oneWriteEach}`);
  return result;
}

/** RFC 9865 §4: pagination.cursor in ServiceProviderConfig; a probe confirms that a first page carries nextCursor. */
async function prepareCursor({ server, scim, auth, base, target }) {
  const spc = target.spc;
  const firstPage = await request(`${scim}/Users?cursor=&count=${PAGE}`, { headers: auth });
  const firstCursor = firstPage.status === 200 ? firstPage.json?.nextCursor : undefined;
  if (spc.pagination?.cursor !== true && !firstCursor) {
    target.unsupported.cursor = `${server.name} does not support cursor pagination (no pagination.cursor in ServiceProviderConfig, no nextCursor on ?cursor=)`;
  } else if (!firstCursor) {
    target.unsupported.cursor = `${server.name} advertises cursors but its first page had no nextCursor (status ${firstPage.status}: ${firstPage.text.slice(0, 200)})`;
  } else {
    // The cursor of a deep page: walk min(1,000, N/100 - 1) pages from the first.
    const depth = Math.max(1, Math.min(DEEP_CURSOR_PAGES, Math.floor(base.n / PAGE) - 1));
    let cursor = firstCursor;
    const walked = Date.now();
    for (let page = 2; page <= depth && cursor; page++) {
      const next = await request(`${scim}/Users?${new URLSearchParams({ cursor, count: String(PAGE) })}`, { headers: auth });
      if (next.status !== 200) {
        target.unsupported.cursor = `walking cursors failed at page ${page}: ${next.status} ${next.text.slice(0, 200)}`;
        cursor = undefined;
        break;
      }
      if (page === depth) break;
      cursor = next.json?.nextCursor;
    }
    if (cursor) {
      target.deepCursor = cursor;
      target.deepCursorPage = depth;
      log(`  ${server.name}: cursor of page ${depth} after walking in ${((Date.now() - walked) / 1000).toFixed(1)} s`);
    } else target.unsupported.cursor ??= `the walk ended before page ${depth}`;
  }
}

/** Groups: a group of min(N, 100,000) members, built by PATCH in chunks of 1,000 (ours), or seeded (the peer). */
async function prepareGroup({ server, scim, auth, base, target, patch }, { groupVia, seededGroupId, groupMembers }) {
  if (groupVia === 'none') return;
  const groups = await request(`${scim}/Groups?count=1`, { headers: auth });
  if (groups.status !== 200) {
    target.unsupported.groups = `${server.name} has no /Groups endpoint yet (GET /Groups answered ${groups.status})`;
    return;
  }
  if (!patch) {
    target.unsupported.groups = `${server.name} does not support PATCH, which group member add/remove needs`;
    return;
  }
  if (groupVia === 'seeded') {
    target.groupId = seededGroupId;
    target.groupMembers = groupMembers;
    return;
  }
  const members = Math.min(base.n, GROUP_SIZE_LIMIT);
  const createdGroup = await request(`${scim}/Groups`, { method: 'POST', headers: auth, body: { schemas: [GROUP_SCHEMA], displayName: 'Bench group' } });
  if (createdGroup.status !== 201 || !createdGroup.json?.id) {
    target.unsupported.groups = `POST /Groups answered ${createdGroup.status}: ${createdGroup.text.slice(0, 200)}`;
    return;
  }
  const started = Date.now();
  for (let from = 0; from < members; from += MEMBER_CHUNK) {
    const value = [];
    for (let index = from; index < Math.min(members, from + MEMBER_CHUNK); index++) value.push({ value: userId(index) });
    const added = await request(`${scim}/Groups/${createdGroup.json.id}?attributes=displayName`, {
      method: 'PATCH',
      headers: auth,
      body: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'members', value }] },
    });
    if (added.status !== 200 && added.status !== 204) {
      target.unsupported.groups = `adding members ${from}..${from + value.length - 1} failed: ${added.status} ${added.text.slice(0, 200)}`;
      return;
    }
  }
  log(`  ${server.name}: group of ${members} members built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  target.groupId = createdGroup.json.id;
  target.groupMembers = members;
}

/**
 * The account lifecycle (README "Account lifecycle"): the product's User extension in /Schemas, and for the credential
 * check a token with scim:credentials and SIGN_IN_USERS users with a password (set through POST /Users/{id}/password).
 */
async function prepareLifecycle({ server, scim, auth, base, target }) {
  const schema = await request(`${scim}/Schemas/${LIFECYCLE_SCHEMA}`, { headers: auth });
  if (schema.status !== 200) {
    target.unsupported.lifecycle = `${server.name} has no account lifecycle (GET /Schemas/${LIFECYCLE_SCHEMA} answered ${schema.status})`;
    target.unsupported.credentials = target.unsupported.lifecycle;
    return;
  }
  if (!base.credentialsToken) {
    target.unsupported.credentials = 'no token with scim:credentials';
    return;
  }
  const users = Math.min(SIGN_IN_USERS, base.n);
  const started = Date.now();
  for (let index = 0; index < users; index++) {
    const set = await request(`${scim}/Users/${userId(index)}/password`, { method: 'POST', headers: auth, body: { password: signInPassword(index) } });
    if (set.status !== 204) {
      target.unsupported.credentials = `setting the password of user ${index} failed: ${set.status} ${set.text.slice(0, 200)}`;
      return;
    }
  }
  log(`  ${server.name}: ${users} passwords set in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  target.signInUsers = users;
}

/** The password the credential check sends for user `index` (set by prepareLifecycle). */
function signInPassword(index) {
  return `Bench-Sign-In-${index}`;
}

function missing(scenario, target) {
  if (!scenario.needs) return null;
  return target.unsupported[scenario.needs] ?? null;
}

async function measureOn(load, server, scenario, target, options, live) {
  live.add(server);
  for (const candidate of live) {
    if (candidate.stopped?.()) {
      live.delete(candidate);
      continue;
    }
    if (await awaitIdle(candidate.origin, { timeoutMs: candidate.restart ? 30_000 : 120_000 })) continue;
    if (!candidate.restart) throw new Error(`${candidate.name} is still busy with the previous run's requests after 120 s`);
    log(`  ${candidate.name} is still busy with the previous run's requests after 30 s: restarting it`);
    await candidate.restart();
  }
  const reset = resetPeakRss(server.pid);
  const cpuBefore = cpuSeconds(server.pid);
  const wallBefore = Date.now();
  const result = await load.run({
    scenario,
    url: server.origin,
    target,
    warmup: options.warmup,
    duration: options.duration,
    connections: options.connections,
  });
  const cpuAfter = cpuSeconds(server.pid);
  // Share of one core the server used over warm-up + run: near 100% means the server, not the load, was the limit.
  const serverCpuPercent = cpuBefore === null || cpuAfter === null ? null : (100 * (cpuAfter - cpuBefore)) / ((Date.now() - wallBefore) / 1000);
  return { ...result, peakRssMiB: peakRssMiB(server.pid), peakRssScope: reset ? 'run' : 'process', serverCpuPercent };
}

function meanOf(runs) {
  const ok = runs.filter((run) => !run.failed);
  if (ok.length === 0) return runs[0];
  const mean = (key) => ok.reduce((sum, run) => sum + run[key], 0) / ok.length;
  return {
    ...ok[ok.length - 1],
    requestsPerSecond: mean('requestsPerSecond'),
    unitsPerSecond: mean('unitsPerSecond'),
    p50: mean('p50'),
    p99: mean('p99'),
    runs: ok.map((run) => Math.round(run.requestsPerSecond)),
  };
}

function publicOptions(options) {
  const { usage: _usage, help: _help, ...rest } = options;
  return rest;
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
