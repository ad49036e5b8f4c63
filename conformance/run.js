#!/usr/bin/env node
// `npm run conformance`: runs our own RFC suite and the identity providers' suites against a live server and
// prints one line per suite and `N passed, M failed`. Exit code 1 on any failure not in known-deviations.json.
'use strict';
/* global fetch -- Node 20 provides fetch */
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs, UsageError, USAGE, repoRoot, missingSuiteMessage } = require('./lib/args');
const { runCollection } = require('./lib/newman-suite');
const { loadKnownDeviations, readmeTable, updateReadme, staleDeviations } = require('./lib/report');
const { buildIfNeeded, temporaryStore, createTenant, startServer } = require('./lib/server');
const { runOwnSuite } = require('./own/harness');

const TITLES = {
  own: 'Own RFC 7643/7644/9865 suite (`conformance/own`)',
  microsoft: 'Microsoft Entra ID SCIM tests (Postman, `entra` profile, `tolerance.unknownMembers=ignore`)',
  okta: 'Okta SCIM 2.0 SPEC test',
  'okta-2019': 'Okta SCIM 2.0 SPEC test, 2019 version with discovery',
};

const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';

/**
 * How each third-party suite's tenant is set up, as an operator would for that identity provider: Microsoft's suite
 * runs on the `entra` profile, and adds group members that name no resource ("string id 1"), which Entra ID's own
 * tenants are configured to tolerate with `tolerance.unknownMembers=ignore` (README "Tolerances").
 */
const TENANT_SETUP = {
  microsoft: { profile: 'entra', settings: ['tolerance.unknownMembers=ignore'] },
  okta: { profile: 'standard', settings: [] },
  'okta-2019': { profile: 'standard', settings: [] },
};

/** Okta's suites need one user with these attributes already in the tenant. */
async function seedOktaUser(baseUrl, token) {
  const res = await fetch(`${baseUrl}/Users`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
    body: JSON.stringify({
      schemas: [USER_URN],
      userName: 'seed.user@example.com',
      name: { givenName: 'Seed', familyName: 'User' },
      active: true,
      emails: [{ value: 'seed.user@example.com', type: 'work', primary: true }],
    }),
  });
  if (res.status !== 201) throw new Error(`seeding the Okta user failed: ${res.status} ${await res.text()}`);
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE.join('\n')}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE.join('\n')}\n`);
    return 0;
  }

  const deviations = loadKnownDeviations(path.join(__dirname, 'known-deviations.json'));
  /** @type {{ suite: string, results: { name: string, passed: boolean, skipped?: boolean, detail?: string }[], note?: string }[]} */
  const runs = [];

  const thirdParty = options.suites.filter((suite) => suite !== 'own');
  const available = thirdParty.filter((suite) => {
    if (fs.existsSync(options.paths[suite])) return true;
    process.stderr.write(`${missingSuiteMessage(suite, options.paths[suite])}\n`);
    return false;
  });

  if (!options.suites.includes('own') && available.length === 0) {
    process.stderr.write('No suite to run.\n');
    return 1;
  }

  let server;
  let store;
  try {
    let own;
    if (options.url) {
      own = { baseUrl: options.url, token: options.token, readToken: options.readToken };
    } else {
      buildIfNeeded(repoRoot);
      store = temporaryStore();
      // One tenant per suite: the Microsoft suite needs an empty tenant, the Okta suites a seeded one, and our
      // own suite must not disturb either.
      const tenants = {};
      if (options.suites.includes('own')) tenants.own = createTenant(repoRoot, store.spec, 'conformance-own', 'standard');
      for (const suite of available) {
        const { profile, settings } = TENANT_SETUP[suite];
        tenants[suite] = createTenant(repoRoot, store.spec, `conformance-${suite}`, profile, settings);
      }
      server = await startServer(repoRoot, store.spec);
      process.stdout.write(`Server under test: ${server.baseUrl} (store ${store.spec})\n`);
      if (tenants.own) own = { baseUrl: server.baseUrl, token: tenants.own.token, readToken: tenants.own.readToken };
      for (const suite of available) {
        const { token } = tenants[suite];
        if (suite.startsWith('okta')) await seedOktaUser(server.baseUrl, token);
        const envVars =
          suite === 'microsoft'
            ? { Protocol: 'http', Server: '127.0.0.1', Port: `:${server.port}`, Api: 'scim/v2', token }
            : { SCIMBaseURL: server.baseUrl, auth: `Bearer ${token}` };
        // Microsoft's published collection starts with a folder that fetches a token from its own sample server.
        const { results } = await runCollection({ file: options.paths[suite], envVars, skipFolders: suite === 'microsoft' ? ['Get Token'] : [] });
        runs.push({ suite, results });
      }
    }
    if (own) {
      const results = await runOwnSuite(own);
      runs.unshift({
        suite: 'own',
        results: results.map((r) => ({ name: `${r.name} [${r.cite}]`, key: r.name, passed: r.status === 'pass', skipped: r.status === 'skip', detail: r.detail })),
      });
    }
  } finally {
    if (server) {
      const code = await server.stop();
      if (code !== 0 && code !== null) process.stderr.write(`The server exited with code ${code}:\n${server.logs()}\n`);
    }
    if (store) store.cleanup();
  }

  // Report.
  let passed = 0;
  let failed = 0;
  const summaries = [];
  const used = new Set();
  for (const run of runs) {
    const s = { suite: run.suite, title: TITLES[run.suite], total: 0, passed: 0, failed: 0, skipped: 0, deviations: 0 };
    process.stdout.write(`\n${TITLES[run.suite]}\n`);
    for (const result of run.results) {
      const key = result.key ?? result.name;
      if (result.skipped) {
        s.skipped++;
        if (options.verbose) process.stdout.write(`  - skip  ${result.name}: ${result.detail}\n`);
        continue;
      }
      s.total++;
      if (result.passed) {
        s.passed++;
        if (options.verbose) process.stdout.write(`  ✓ ${result.name}\n`);
        continue;
      }
      const deviation = deviations.find((entry) => entry.suite === run.suite && entry.assertion === key);
      if (deviation) {
        used.add(deviation);
        s.deviations++;
        process.stdout.write(`  ~ known deviation: ${result.name}\n      ${deviation.reason}\n`);
        continue;
      }
      s.failed++;
      process.stdout.write(`  ✗ ${result.name}\n      ${String(result.detail ?? '').split('\n').join('\n      ')}\n`);
    }
    passed += s.passed;
    failed += s.failed;
    summaries.push(s);
  }
  for (const entry of staleDeviations(deviations, used, runs.map((run) => run.suite))) {
    process.stdout.write(`\nStale known deviation (it did not fail): ${entry.suite} › ${entry.assertion}\n`);
  }

  process.stdout.write('\nSummary\n');
  for (const s of summaries) {
    const extra = [s.skipped ? `${s.skipped} skipped` : '', s.deviations ? `${s.deviations} known deviations` : ''].filter(Boolean).join(', ');
    process.stdout.write(`  ${s.failed === 0 ? 'PASS' : 'FAIL'}  ${s.suite}: ${s.passed}/${s.total} assertions passed${extra ? ` (${extra})` : ''}\n`);
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);

  if (options.updateReadme) {
    if (options.url) process.stderr.write('--update-readme is ignored with --url: the README records the local run\n');
    else {
      updateReadme(path.join(repoRoot, 'README.md'), readmeTable(summaries, new Date().toISOString().slice(0, 10), deviations.filter((entry) => used.has(entry))));
      process.stdout.write('README.md conformance table updated\n');
    }
  }
  return failed === 0 && runs.length > 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`conformance run failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
