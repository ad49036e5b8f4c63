// Child processes of the benchmark: servers (ours, the peer, the ceiling) and the load generator, each optionally
// pinned to CPUs with `taskset`, and the peak resident memory of a server read from /proc.
'use strict';
const { spawn } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');

/** Spawns `node <script>`, under `taskset -c <cpus>` when cpus are given (taskset execs, so the pid is node's). */
function spawnNode(script, { args = [], env = {}, cpus, ipc = false, nodeOptions = [] } = {}) {
  const command = cpus ? 'taskset' : process.execPath;
  const argv = [...nodeOptions, script, ...args];
  const commandArgs = cpus ? ['-c', cpus, process.execPath, ...argv] : argv;
  return spawn(command, commandArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
}

/**
 * The node flags `npm start` runs the server with (the `--` options before the script in package.json's start script of
 * the checkout at `root`), so that a benchmarked server runs as a user's does.
 */
function startFlags(root) {
  const start = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts?.start ?? '';
  const words = start.trim().split(/\s+/);
  const flags = [];
  for (const word of words.slice(1)) {
    if (!word.startsWith('--')) break;
    flags.push(word);
  }
  return words[0] === 'node' ? flags : [];
}

/** A free TCP port on the loopback interface. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A small HTTP client for set-up requests (probes, seeding the big group, walking cursors). */
function request(url, { method = 'GET', headers = {}, body, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = http.request(
      url,
      { method, headers: { ...headers, ...(payload ? { 'content-type': 'application/scim+json', 'content-length': payload.length } : {}) } },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    // A set-up request that hangs must fail the set-up, not the whole benchmark.
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url} got no answer within ${timeoutMs / 1000} s`)));
    if (payload) req.write(payload);
    req.end();
  });
}

/** Starts a server process and resolves once `healthUrl` answers 200; rejects with its output if it exits first. */
async function startServer(name, script, { port, env, cpus, healthPath = '/health', timeoutMs = 120_000, nodeOptions } = {}) {
  const child = spawnNode(script, { env: { ...env, PORT: String(port), HOST: '127.0.0.1' }, cpus, nodeOptions });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${name} exited (${exited.code ?? exited.signal}) before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within ${timeoutMs} ms:\n${output}`);
    }
    try {
      const res = await request(`http://127.0.0.1:${port}${healthPath}`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    name,
    child,
    pid: child.pid,
    origin: `http://127.0.0.1:${port}`,
    output: () => output,
    stopped: () => exited !== null,
    async stop() {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/**
 * Resolves once the server answers /health promptly three times in a row: requests still queued from the last run
 * (a slow server keeps working after the load generator stops) must not eat into the next measurement.
 * Resolves false when the server is still busy after `timeoutMs`.
 */
async function awaitIdle(origin, { healthPath = '/health', timeoutMs = 120_000, quickMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let quick = 0;
  while (Date.now() < deadline) {
    const started = Date.now();
    try {
      const res = await request(`${origin}${healthPath}`);
      quick = res.status === 200 && Date.now() - started < quickMs ? quick + 1 : 0;
    } catch {
      quick = 0;
    }
    if (quick >= 3) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** Resets the peak-RSS mark of a process (Linux: writing 5 to clear_refs), so that the next reading covers one run. */
function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak resident set size (VmHWM) of a process, in MiB; null where /proc is not available. */
const peakRssMiB = (pid) => statusMiB(pid, 'VmHWM');

/** Resident set size (VmRSS) of a process now, in MiB; null where /proc is not available. */
const currentRssMiB = (pid) => statusMiB(pid, 'VmRSS');

/** A field of /proc/<pid>/status given in kB, in MiB; null where /proc is not available. */
function statusMiB(pid, field) {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far; null where /proc is not available. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15, in clock ticks (USER_HZ,
    // 100 on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The load generator as its own process; `run(job)` resolves with the measured figures. */
function startLoadGenerator(script, { cpus } = {}) {
  const child = spawnNode(script, { cpus, ipc: true });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return {
    pid: child.pid,
    run(job) {
      return new Promise((resolve, reject) => {
        const onMessage = (message) => {
          if (message.type === 'result') done(() => resolve(message.result));
          else if (message.type === 'error') done(() => reject(new Error(`load generator: ${message.message}`)));
        };
        const onExit = (code) => done(() => reject(new Error(`load generator exited (${code}):\n${output}`)));
        const done = (settle) => {
          child.off('message', onMessage);
          child.off('exit', onExit);
          settle();
        };
        child.on('message', onMessage);
        child.on('exit', onExit);
        child.send(job);
      });
    },
    stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}

module.exports = { awaitIdle, cpuSeconds, currentRssMiB, freePort, request, startServer, startFlags, startLoadGenerator, resetPeakRss, peakRssMiB };
