// README "Export and import": the whole directory exported with POST /Users/.export/all and imported into a second,
// empty tenant of the same server with POST /Users/.import/all (the file streamed from disk as the raw body), each
// timed from the request to the job's end, with the server's peak RSS over each (its memory must stay bounded
// whatever N). `npm run bench -- --scenarios transfer`. The users counted are those the export held: N plus the users
// that load scenarios run before it created (create, Bulk), so that the transfer can run in the same run as those.
'use strict';
const { createReadStream, createWriteStream, statSync } = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { cpuSeconds, currentRssMiB, peakRssMiB, request, resetPeakRss } = require('./processes');

const SECRET = 'bench export secret, long enough';
const POLL_MS = 250;

async function measureTransfer({ server, basePath, exportToken, importToken, n, work, log }) {
  const scim = `${server.origin}${basePath}`;
  const file = path.join(work, 'export.ndjson.gz');

  log(`exporting every user (POST /Users/.export/all) ...`);
  resetPeakRss(server.pid);
  let cpuAtStart = cpuSeconds(server.pid);
  let started = process.hrtime.bigint();
  const exported = await request(`${scim}/Users/.export/all`, { method: 'POST', headers: bearer(exportToken), body: { encryptionSecret: SECRET, expires: 1 } });
  if (exported.status !== 202) throw new Error(`POST /Users/.export/all answered ${exported.status}: ${exported.text.slice(0, 200)}`);
  const exportJob = await finished(scim, exportToken, exported.json.id);
  const exportSeconds = seconds(started);
  const exportPeak = peakRssMiB(server.pid);
  const exportCpu = cpuPerUser(cpuAtStart, cpuSeconds(server.pid), exportJob.result?.records);
  if (exportJob.status !== 'succeeded') throw new Error(`the export job ended ${exportJob.status}: ${JSON.stringify(exportJob.error)}`);
  const users = exportJob.result?.records;
  if (!Number.isInteger(users) || users < n) throw new Error(`the export job holds ${users} records, fewer than the ${n} users seeded`);
  await download(`${scim}/Jobs/${exportJob.id}/download`, exportToken, file);
  const fileMiB = statSync(file).size / 2 ** 20;
  log(`  ${users} users in ${exportSeconds.toFixed(1)} s = ${Math.round(users / exportSeconds)} users/s; peak RSS ${exportPeak?.toFixed(0)} MiB; server CPU ${exportCpu?.toFixed(2)} ms/user; file ${fileMiB.toFixed(1)} MiB`);

  log(`importing them into an empty tenant (POST /Users/.import/all) ...`);
  resetPeakRss(server.pid);
  cpuAtStart = cpuSeconds(server.pid);
  started = process.hrtime.bigint();
  const imported = await upload(`${scim}/Users/.import/all`, importToken, file);
  if (imported.status !== 202) throw new Error(`POST /Users/.import/all answered ${imported.status}: ${imported.text.slice(0, 200)}`);
  log(`  uploaded in ${seconds(started).toFixed(1)} s; server RSS ${currentRssMiB(server.pid)?.toFixed(0)} MiB; the job runs ...`);
  const importJob = await finished(scim, importToken, JSON.parse(imported.text).id);
  const importSeconds = seconds(started);
  const importPeak = peakRssMiB(server.pid);
  const importCpu = cpuPerUser(cpuAtStart, cpuSeconds(server.pid), users);
  if (importJob.status !== 'succeeded' || importJob.result?.created !== users) throw new Error(`the import job ended ${importJob.status}: ${JSON.stringify(importJob.result ?? importJob.error)}`);
  log(`  ${users} users in ${importSeconds.toFixed(1)} s = ${Math.round(users / importSeconds)} users/s; peak RSS ${importPeak?.toFixed(0)} MiB; server CPU ${importCpu?.toFixed(2)} ms/user`);

  return {
    users,
    export: { seconds: exportSeconds, usersPerSecond: users / exportSeconds, peakRssMiB: exportPeak, cpuMsPerUser: exportCpu, fileMiB },
    import: { seconds: importSeconds, usersPerSecond: users / importSeconds, peakRssMiB: importPeak, cpuMsPerUser: importCpu, created: importJob.result.created },
  };
}

const bearer = (token) => ({ authorization: `Bearer ${token}` });
/** The server's CPU time (user + system, all its threads) per user between two readings, in ms; null when unreadable. */
const cpuPerUser = (before, after, users) => (before === null || after === null || !users ? null : ((after - before) * 1000) / users);
const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;

async function finished(scim, token, id) {
  for (;;) {
    const job = (await request(`${scim}/Jobs/${id}`, { headers: bearer(token) })).json;
    if (['succeeded', 'failed', 'cancelled'].includes(job?.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function download(url, token, file) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: bearer(token) }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`GET ${url} answered ${res.statusCode}`));
          return;
        }
        res.pipe(createWriteStream(file)).on('finish', resolve).on('error', reject);
      })
      .on('error', reject);
  });
}

/** The file as the raw body, streamed from disk, the secret in X-Encryption-Secret. */
function upload(url, token, file) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/gzip', 'x-encryption-secret': SECRET, 'content-length': statSync(file).size } }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

module.exports = { measureTransfer };
