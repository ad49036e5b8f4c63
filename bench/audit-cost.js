#!/usr/bin/env node
// What auditing and rate limiting cost a get-by-id and a create (README "What auditing costs"), measured from outside
// the servers: two servers up at once, ours (this checkout's build) and a baseline (another build, e.g. this commit
// with the audit trail switched off: bench/audit-off.sh), each on a store its own code seeded with N users. Rounds of
// get-by-id and creates run alternately on each side (A B, then B A), and each side's server CPU time (utime + stime
// from /proc/<pid>/stat) and bytes written (write_bytes of /proc/<pid>/io: the WAL, the checkpoint's copy into the
// database file) are divided by the requests of the round. Prints the per-round figures, medians and ratios, and the
// load averages seen, since on a shared machine other work moves every figure.
//
// usage: node bench/audit-cost.js --baseline <dir> [--rounds 6] [--gets 4000] [--creates 400] [--n 2000]
//        [--connections 10] [--profile <dir>]     (Linux only: it reads /proc)
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, freePort } = require('./lib/processes.js');
const { userId } = require('./lib/directory.js');

const CLOCK_TICKS_MS = 10; // USER_HZ = 100 on Linux: /proc/<pid>/stat counts CPU time in 10 ms ticks.

function options(argv) {
  const known = { baseline: undefined, rounds: 6, gets: 4000, creates: 400, n: 2000, connections: 10, profile: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in known) || argv[i + 1] === undefined) throw new Error(`unknown or incomplete option ${argv[i]}`);
    known[name] = ['baseline', 'profile'].includes(name) ? argv[i + 1] : Number(argv[i + 1]);
  }
  if (!known.baseline) throw new Error('usage: node bench/audit-cost.js --baseline <dir> [--rounds 6] [--gets 4000] [--creates 400]');
  return known;
}

const bytesWritten = (pid) => Number(/write_bytes: (\d+)/.exec(fs.readFileSync(`/proc/${pid}/io`, 'utf8'))[1]);
const cpuMs = (pid) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICKS_MS;
};
/** CPU ms per kind of thread (its name: `node` is the main thread, `V8 DefaultWorke` the garbage collector's helpers…). */
const threadCpuMs = (pid) => {
  const byName = {};
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).trim();
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    byName[name] = (byName[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) * CLOCK_TICKS_MS;
  }
  return byName;
};
const loadAverages = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** A server of the build in `dir`, on a store that build's own seeding code filled. */
async function boot(dir, work, label, opts) {
  const { seedOurs } = require(path.join(dir, 'bench', 'lib', 'seed.js'));
  const file = path.join(work, `${label}.db`);
  const seeded = await seedOurs({ file, n: opts.n });
  const nodeOptions = opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(opts.profile, label)}`] : [];
  const server = await startServer(label, path.join(dir, 'dist', 'src', 'main.js'), {
    nodeOptions,
    port: await freePort(),
    // The same generous limits on both sides: the limiter counts every request without refusing any.
    env: { SCIM_STORE: `sqlite:${file}`, SCIM_LOG_LEVEL: 'warn', SCIM_RATE_LIMIT_TOKEN: '1000000', SCIM_RATE_LIMIT_TENANT: '1000000' },
  });
  return { server, base: `${server.origin}/scim/v2`, headers: { Authorization: `Bearer ${seeded.token}`, 'Content-Type': 'application/scim+json' }, created: 0 };
}

function request(side, kind, i, n) {
  if (kind === 'get') return globalThis.fetch(`${side.base}/Users/${userId((i * 7919) % n)}`, { headers: side.headers });
  const userName = `audit-cost-${process.pid}-${++side.created}@example.net`;
  const body = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, name: { givenName: 'Audit', familyName: 'Cost' }, emails: [{ value: userName, type: 'work', primary: true }] };
  return globalThis.fetch(`${side.base}/Users`, { method: 'POST', headers: side.headers, body: JSON.stringify(body) });
}

async function load(side, kind, count, opts) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const response = await request(side, kind, next++, opts.n);
      if (response.status >= 300) throw new Error(`${kind}: status ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, worker));
}

async function measure(side, kind, count, opts) {
  const pid = side.server.pid;
  const bytes = bytesWritten(pid);
  const cpu = cpuMs(pid);
  const threads = threadCpuMs(pid);
  await load(side, kind, count, opts);
  // The read events of the round are flushed within 1 s (audit-buffer.ts): counted with the round that made them.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const perThread = Object.fromEntries(Object.entries(threadCpuMs(pid)).map(([name, ms]) => [name, (ms - (threads[name] ?? 0)) / count]));
  return { cpu: (cpuMs(pid) - cpu) / count, bytes: (bytesWritten(pid) - bytes) / count, perThread };
}

async function main() {
  const opts = options(process.argv.slice(2));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scim-audit-cost-'));
  const baseline = await boot(path.resolve(opts.baseline), work, 'baseline', opts);
  const ours = await boot(path.resolve(__dirname, '..'), work, 'ours', opts);
  const loads = [loadAverages()];
  try {
    // Warm both (JIT, page cache) before anything is counted.
    await load(baseline, 'get', 1000, opts);
    await load(ours, 'get', 1000, opts);
    const results = { get: { baseline: [], ours: [] }, create: { baseline: [], ours: [] } };
    for (let round = 0; round < opts.rounds; round++) {
      for (const [kind, count] of [['get', opts.gets], ['create', opts.creates]]) {
        const order = round % 2 ? [['ours', ours], ['baseline', baseline]] : [['baseline', baseline], ['ours', ours]];
        for (const [name, side] of order) results[kind][name].push(await measure(side, kind, count, opts));
      }
      loads.push(loadAverages());
      process.stderr.write(`round ${round + 1} of ${opts.rounds}, load averages ${loads.at(-1)}\n`);
    }
    console.log(`audit cost: ${opts.rounds} rounds of ${opts.gets} get-by-id and ${opts.creates} creates, N=${opts.n}, ${opts.connections} connections; baseline ${opts.baseline}`);
    console.log(`load averages (1, 5, 15 min) from ${loads[0]} to ${loads.at(-1)}`);
    for (const kind of ['get', 'create']) {
      const a = results[kind].baseline.map((round) => round.cpu);
      const b = results[kind].ours.map((round) => round.cpu);
      const pairs = a.map((cpu, i) => b[i] / cpu - 1);
      const percent = (ratio) => `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)}%`;
      console.log(
        `${kind === 'get' ? 'get-by-id' : 'create'}: server CPU ms/request baseline ${median(a).toFixed(3)} [${a.map((x) => x.toFixed(2)).join(' ')}], ours ${median(b).toFixed(3)} [${b.map((x) => x.toFixed(2)).join(' ')}]; ` +
          `ours/baseline: ratio of medians ${percent(median(b) / median(a) - 1)}, median of pairs ${percent(median(pairs))}; ` +
          `bytes written/request baseline ${Math.round(median(results[kind].baseline.map((round) => round.bytes)))}, ours ${Math.round(median(results[kind].ours.map((round) => round.bytes)))}`,
      );
      // Where the CPU time went, by thread name: the main thread, the garbage collector's helpers, the read threads…
      const names = [...new Set(['baseline', 'ours'].flatMap((side) => results[kind][side].flatMap((round) => Object.keys(round.perThread))))].sort();
      const byThread = names.map((name) => {
        const of = (side) => median(results[kind][side].map((round) => round.perThread[name] ?? 0)).toFixed(3);
        return `${name} ${of('baseline')} / ${of('ours')}`;
      });
      console.log(`  by thread, CPU ms/request baseline / ours (medians): ${byThread.join('; ')}`);
    }
  } finally {
    await baseline.server.stop();
    await ours.server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
