// Lifecycle of the server under test: build, a fresh temporary embedded store, tenants and tokens through the
// admin CLI (the way an operator makes them), start on a free port, wait for /health, stop.
'use strict';
/* global fetch -- Node 20 provides fetch */
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');

/** @param {string} repoRoot */
function buildIfNeeded(repoRoot) {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-if-needed.js')], { cwd: repoRoot, stdio: 'inherit' });
}

/** A port nobody listens on right now (the kernel picks it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** A fresh directory for the run's store; removed by `cleanup()`. */
function temporaryStore() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scim-conformance-'));
  return { dir, spec: `sqlite:${path.join(dir, 'scim.db')}`, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs one admin CLI command against the store; returns its stdout lines.
 * @param {string} repoRoot @param {string} storeSpec @param {string[]} args
 */
function admin(repoRoot, storeSpec, args) {
  try {
    const out = execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'src', 'admin', 'cli.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, SCIM_STORE: storeSpec },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return out.split('\n');
  } catch (error) {
    const stderr = error && typeof error === 'object' && 'stderr' in error ? String(error.stderr).trim() : String(error);
    throw new Error(`admin ${args.slice(0, 2).join(' ')} failed: ${stderr}`, { cause: error });
  }
}

/**
 * Creates a tenant with the given profile and tenant settings (`key=value`, as `tenant set` takes them), and a
 * read+write token for it (and a read-only one, for scope checks).
 * @param {string} repoRoot @param {string} storeSpec @param {string} name @param {'standard' | 'entra'} profile
 * @param {string[]} [settings]
 */
function createTenant(repoRoot, storeSpec, name, profile, settings = []) {
  // --create: the run's store is a fresh file that the first command creates.
  const tenantId = admin(repoRoot, storeSpec, ['tenant', 'create', name, '--profile', profile, '--create'])[0].trim();
  if (settings.length > 0) admin(repoRoot, storeSpec, ['tenant', 'set', tenantId, ...settings]);
  const token = (scopes) => {
    const lines = admin(repoRoot, storeSpec, ['token', 'create', tenantId, '--label', `conformance ${name}`, '--scopes', scopes]);
    // The token is the one indented line of the output (printed once, never stored in clear).
    const line = lines.find((candidate) => /^\s+\S+$/.test(candidate));
    if (!line) throw new Error(`admin token create printed no token for tenant ${name}`);
    return line.trim();
  };
  return { tenantId, token: token('scim:read,scim:write'), readToken: token('scim:read') };
}

async function waitForHealth(origin, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${origin}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server did not answer ${origin}/health within ${timeoutMs} ms`);
}

/**
 * Starts `node dist/src/main.js` on a free port against `storeSpec`.
 * @param {string} repoRoot @param {string} storeSpec
 */
async function startServer(repoRoot, storeSpec) {
  const port = await freePort();
  const logs = [];
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'src', 'main.js')], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', SCIM_STORE: storeSpec, SCIM_BASE_PATH: '/scim/v2', SCIM_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Kept for the failure report; the server logs only warnings and errors during the run.
  const keep = (chunk) => {
    logs.push(String(chunk));
    if (logs.length > 200) logs.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(origin, child, 20_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${error.message}\n${logs.join('')}`, { cause: error });
  }
  return {
    port,
    origin,
    baseUrl: `${origin}/scim/v2`,
    logs: () => logs.join(''),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', (code) => {
          clearTimeout(force);
          resolve(code);
        });
        child.kill('SIGTERM');
      }),
  };
}

module.exports = { buildIfNeeded, temporaryStore, createTenant, startServer };
