#!/usr/bin/env node
// Password hashing shared between tenants (issue 14, item 5): tenant A sends a Bulk of N creates with passwords,
// and while it runs tenant B creates one user with a password. Prints B's latency beside its latency on an idle
// server, and how long A's Bulk took. Before the fair hash queue, B waited behind all of A's hashes.
//
//   npm run bench:passwords                      # Bulk sizes 100 and 200
//   npm run bench:passwords -- --bulk 100 --rounds 5
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const { freePort, request, startServer } = require('./lib/processes');
const { seedOurs } = require('./lib/seed');

const ROOT = path.join(__dirname, '..');
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

function parseArgs(argv) {
  const options = { bulk: [100, 200], rounds: 3 };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = argv[index + 1];
    if (flag === '--bulk') options.bulk = value.split(',').map(Number);
    else if (flag === '--rounds') options.rounds = Number(value);
    else {
      process.stdout.write('Usage: npm run bench:passwords -- [--bulk 100,200] [--rounds 3]\n');
      process.exit(flag === '--help' ? 0 : 2);
    }
    index += 1;
  }
  return options;
}

let unique = 0;
const newUser = (prefix) => ({ schemas: [USER], userName: `${prefix}-${process.pid}-${++unique}@example.com`, password: `Pw-${unique}-correct-horse` });

async function timedPost(origin, token) {
  const started = process.hrtime.bigint();
  const res = await request(`${origin}/scim/v2/Users`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: newUser('b') });
  if (res.status !== 201) throw new Error(`tenant B's POST answered ${res.status}: ${res.text}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function bulkOf(size) {
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
    Operations: Array.from({ length: size }, (_, index) => ({ method: 'POST', bulkId: `u${index}`, path: '/Users', data: newUser('a') })),
  };
}

const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

async function main() {
  const options = parseArgs(process.argv.slice(2));
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-if-needed.js')], { stdio: 'inherit' });
  const directory = mkdtempSync(path.join(tmpdir(), 'scim-bench-passwords-'));
  const file = path.join(directory, 'scim.db');
  const tenantA = await seedOurs({ file, n: 0 });
  const tenantB = await seedOurs({ file, n: 0 });
  const server = await startServer('our server', path.join(ROOT, 'dist', 'src', 'main.js'), {
    port: await freePort(),
    env: { SCIM_STORE: `sqlite:${file}`, SCIM_LOG_LEVEL: 'warn' },
  });
  try {
    await timedPost(server.origin, tenantB.token); // warm-up
    const idle = [];
    for (let round = 0; round < options.rounds; round++) idle.push(await timedPost(server.origin, tenantB.token));
    process.stdout.write(`tenant B, one POST with a password, idle server: median ${median(idle).toFixed(0)} ms (${idle.map((ms) => ms.toFixed(0)).join(', ')})\n`);
    const rows = [];
    for (const size of options.bulk) {
      const during = [];
      const bulkTimes = [];
      for (let round = 0; round < options.rounds; round++) {
        const started = process.hrtime.bigint();
        const bulk = request(`${server.origin}/scim/v2/Bulk`, { method: 'POST', headers: { authorization: `Bearer ${tenantA.token}` }, body: bulkOf(size), timeoutMs: 600_000 });
        // Let the Bulk be read and its hashing start before B asks.
        await new Promise((resolve) => setTimeout(resolve, 300));
        during.push(await timedPost(server.origin, tenantB.token));
        const answer = await bulk;
        bulkTimes.push(Number(process.hrtime.bigint() - started) / 1e6);
        const created = answer.json?.Operations?.filter((result) => result.status === '201').length;
        if (created !== size) throw new Error(`tenant A's Bulk created ${created} of ${size}: ${answer.text.slice(0, 300)}`);
      }
      rows.push({ size, during: median(during), bulk: median(bulkTimes) });
      process.stdout.write(
        `tenant B, one POST while tenant A's Bulk of ${size} creates with passwords runs: median ${median(during).toFixed(0)} ms ` +
          `(${during.map((ms) => ms.toFixed(0)).join(', ')}); the Bulk took ${(median(bulkTimes) / 1000).toFixed(1)} s\n`,
      );
    }
    process.stdout.write(`\n${JSON.stringify({ idleMs: median(idle), rows })}\n`);
  } finally {
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
