// Turns the measured figures into ONE table (scenarios, then the smaller directories of the scaling runs), the README
// markdown, and the check against the project's performance targets. Figures keep the unit of their row: requests
// per second, or users per second for the Bulk/sequential-create rows. When the peer did not run (--no-peer), it has
// no columns, no notes and no target rows.
'use strict';
const { SCENARIOS_BY_NAME } = require('./scenarios');

const ok = (result) => result && !result.skipped && !result.failed;
const rate = (result) => (result.unit === 'users' ? result.unitsPerSecond : result.requestsPerSecond);
const fixed = (value, digits = 0) => (value === null || value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));
// No ratio when either side completed nothing: a request that outlasted the run has no rate to compare.
const ratio = (a, b) => (ok(a) && ok(b) && a.requests > 0 && b.requests > 0 ? rate(a) / rate(b) : null);
const ratioText = (value) => (value === null ? '-' : value >= 10 ? `${value.toFixed(0)}x` : `${value.toFixed(2)}x`);
const unitOf = (result) => (result.unit === 'users' ? 'users/s' : 'req/s');

/** Whether the peer took part in this run at all (a peer that skipped some scenarios still ran). */
function peerRan(report) {
  return report.options.peer !== false && report.scenarios.some((row) => row.peer !== undefined);
}

/** One progress line: the rate in the unit of the table row, latency, server CPU, and anything that went wrong. */
function describeResult(result) {
  if (result.failed) return `failed: ${result.failed}`;
  const bad = result.errors + result.timeouts + result.non2xx + result.mismatches;
  return (
    `${Math.round(rate(result))} ${unitOf(result)}, p50 ${result.p50} ms, p99 ${result.p99} ms, server CPU ${Math.round(result.serverCpuPercent ?? 0)}%` +
    (bad ? `, errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx} ${JSON.stringify(result.statusCodes)}, bad bodies ${result.mismatches}` : '')
  );
}

function ceilingOf(report, row) {
  if (row.unit === 'users') return null;
  return report.ceiling[row.ceiling] ?? null;
}

function cellsOf(report, row) {
  const cells = { name: row.unit === 'users' ? `${row.name} (users/s)` : row.name };
  const side = (result) => {
    if (!result) return { rate: '-', p50: '-', p99: '-', err: '-', non2xx: '-', bad: '-', rss: '-', cpu: '-' };
    if (result.skipped) return { rate: 'skipped', p50: '', p99: '', err: '', non2xx: '', bad: '', rss: '', cpu: '' };
    if (result.failed) return { rate: 'failed', p50: '', p99: '', err: '', non2xx: '', bad: '', rss: '', cpu: '' };
    // Nothing completed within the run: there is no latency to show, only that each request outlasted it.
    if (result.requests === 0) {
      return { rate: `0 (none in ${result.seconds} s)`, p50: '-', p99: '-', err: String(result.errors + result.timeouts), non2xx: '0', bad: '0', rss: fixed(result.peakRssMiB), cpu: fixed(result.serverCpuPercent) };
    }
    return {
      rate: fixed(rate(result)),
      p50: fixed(result.p50, 1),
      p99: fixed(result.p99, 1),
      err: String(result.errors + result.timeouts),
      non2xx: String(result.non2xx),
      bad: String(result.mismatches),
      rss: fixed(result.peakRssMiB),
      cpu: fixed(result.serverCpuPercent),
    };
  };
  cells.ours = side(row.ours);
  cells.peer = side(row.peer);
  cells.ourPeer = ratioText(ratio(row.ours, row.peer));
  const ceiling = ceilingOf(report, row);
  cells.ourCeiling = ceiling && ok(row.ours) && ok(ceiling) ? `${((100 * row.ours.requestsPerSecond) / ceiling.requestsPerSecond).toFixed(0)}%` : '-';
  return cells;
}

const OUR_HEADER = ['scenario', 'ours/s', 'p50 ms', 'p99 ms', 'err', 'non-2xx', 'bad body', 'RSS MiB', 'CPU %'];
const PEER_HEADER = ['peer/s', 'peer p99', 'peer RSS', 'our/peer'];

function headerOf(report) {
  return [...OUR_HEADER, ...(peerRan(report) ? PEER_HEADER : []), 'our/ceiling'];
}

/** The one table: the ceilings, every scenario at N, then the scaling scenarios at each smaller N (ours only). */
function rowsOf(report) {
  const withPeer = peerRan(report);
  const line = (c, peer) => [c.name, c.ours.rate, c.ours.p50, c.ours.p99, c.ours.err, c.ours.non2xx, c.ours.bad, c.ours.rss, c.ours.cpu, ...(withPeer ? peer : []), c.ourCeiling];
  const rows = [];
  for (const kind of ['get', 'post']) {
    const result = report.ceiling[kind];
    if (!result) continue;
    const cells = cellsOf(report, { name: `ceiling ${kind.toUpperCase()} (bare Express)`, ours: result });
    rows.push(line({ ...cells, ourCeiling: '' }, ['', '', '', '']));
  }
  for (const row of report.scenarios) {
    const c = cellsOf(report, row);
    rows.push(line(c, [c.peer.rate, c.peer.p99, c.peer.rss, c.ourPeer]));
  }
  for (const entry of report.scaling) {
    if (entry.n === report.options.n) continue;
    for (const [name, result] of Object.entries(entry.results)) {
      const scenario = report.scenarios.find((row) => row.name === name);
      const c = cellsOf(report, { name: `${name} at N=${entry.n}`, ours: result, ceiling: scenario?.ceiling, unit: scenario?.unit ?? 'requests' });
      rows.push(line(c, ['', '', '', '']));
    }
  }
  return rows;
}

function pad(rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column]))).join('  ')).join('\n');
}

function skippedLines(report) {
  const lines = [];
  const sides = peerRan(report) ? ['ours', 'peer'] : ['ours'];
  for (const row of report.scenarios) {
    for (const side of sides) {
      if (row[side]?.skipped) lines.push(`${row.name} [${side}]: skipped: ${row[side].skipped}`);
      if (row[side]?.failed) lines.push(`${row.name} [${side}]: failed: ${row[side].failed}`);
      const result = row[side];
      if (ok(result) && result.errors + result.timeouts + result.non2xx + result.mismatches > 0) {
        lines.push(
          `${row.name} [${side}]: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx, ${result.mismatches} bad bodies; status codes ${JSON.stringify(result.statusCodes)}`,
        );
      }
    }
  }
  return lines;
}

/** The target for what rate limiting may cost a request (issue 20: under 10%). */
const RATE_LIMIT_COST_TARGET = 0.1;
const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const signed = (share) => `${share >= 0 ? '+' : ''}${(100 * share).toFixed(1)}%`;

/**
 * What rate limiting cost in the --rate-limit compare runs, per scenario: the mean throughput and the server's CPU
 * time per request (ms) with and without it. CPU per request is the figure the target is read from: on a shared
 * machine, throughput follows the neighbours' load, while the work a request costs the server moves far less.
 */
function rateLimitCosts(report) {
  return comparisonCosts(report.rateLimitCost);
}

/** The same reading of `--baseline` runs: `off` is the baseline commit's server, `on` is ours. */
function baselineCosts(report) {
  return comparisonCosts(report.baselineCost).map((cost, index) => ({ ...cost, baseline: report.baselineCost[index]?.baseline }));
}

function comparisonCosts(rows) {
  const usable = (runs) => runs.filter((run) => ok(run) && run.requests > 0 && typeof run.serverCpuPercent === 'number');
  const costs = [];
  for (const row of rows ?? []) {
    const off = usable(row.off);
    const on = usable(row.on);
    if (off.length === 0 || on.length === 0) continue;
    const cpuMs = (runs) => mean(runs.map((run) => (10 * run.serverCpuPercent) / run.requestsPerSecond));
    const perSecond = (runs) => mean(runs.map((run) => run.requestsPerSecond));
    const medianPerSecond = (runs) => median(runs.map((run) => run.requestsPerSecond));
    const cost = {
      name: row.name,
      runs: Math.min(off.length, on.length),
      off: { requestsPerSecond: perSecond(off), medianRequestsPerSecond: medianPerSecond(off), cpuMsPerRequest: cpuMs(off) },
      on: { requestsPerSecond: perSecond(on), medianRequestsPerSecond: medianPerSecond(on), cpuMsPerRequest: cpuMs(on) },
    };
    costs.push({ ...cost, cpuCost: cost.on.cpuMsPerRequest / cost.off.cpuMsPerRequest - 1, throughputCost: 1 - cost.on.requestsPerSecond / cost.off.requestsPerSecond });
  }
  return costs;
}

function rateLimitLines(report) {
  return rateLimitCosts(report).map(
    (cost) =>
      `Rate limiting on vs off, ${cost.name} (${cost.runs} alternating run${cost.runs === 1 ? '' : 's'} each): server CPU ${cost.on.cpuMsPerRequest.toFixed(3)} vs ${cost.off.cpuMsPerRequest.toFixed(3)} ms per request (${signed(cost.cpuCost)}), ` +
      `${Math.round(cost.on.requestsPerSecond)} vs ${Math.round(cost.off.requestsPerSecond)} req/s (${signed(-cost.throughputCost)})`,
  );
}

function baselineLines(report) {
  return baselineCosts(report).map((cost) => {
    // The median run of each side, and what it is of the ceiling this scenario is compared with (its POST for writes).
    const ceiling = ceilingOf(report, { ceiling: SCENARIOS_BY_NAME.get(cost.name)?.ceiling })?.requestsPerSecond;
    const ofCeiling = (perSecond) => (ceiling ? ` = ${Math.round((100 * perSecond) / ceiling)}% of the ceiling` : '');
    return (
      `Ours vs baseline ${cost.baseline}, ${cost.name} (${cost.runs} alternating run${cost.runs === 1 ? '' : 's'} each): server CPU ${cost.on.cpuMsPerRequest.toFixed(3)} vs ${cost.off.cpuMsPerRequest.toFixed(3)} ms per request (${signed(cost.cpuCost)}), ` +
      `${Math.round(cost.on.requestsPerSecond)} vs ${Math.round(cost.off.requestsPerSecond)} req/s (${signed(-cost.throughputCost)}); ` +
      `medians ${Math.round(cost.on.medianRequestsPerSecond)}${ofCeiling(cost.on.medianRequestsPerSecond)} vs ${Math.round(cost.off.medianRequestsPerSecond)}${ofCeiling(cost.off.medianRequestsPerSecond)}`
    );
  });
}

function formatReport(report) {
  const { machine, options } = report;
  const parts = [
    `SCIM benchmark, ${report.startedAt}: N=${options.n}, ${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s per run, rate limiting ${options.rateLimit ?? 'on'}`,
    `Machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}`,
    ...Object.entries(report.seeding).map(([label, seed]) => `Seeding (${label}): ${seed.n} users in ${seed.seconds.toFixed(2)} s = ${Math.round(seed.usersPerSecond)} users/s (store ${seed.method})`),
    '',
    pad([headerOf(report), ...rowsOf(report)]),
  ];
  const bulk = report.scenarios.find((row) => row.name === 'Bulk 1,000 creates');
  const sequential = report.scenarios.find((row) => row.name === 'POST x1 sequential');
  for (const side of peerRan(report) ? ['ours', 'peer'] : ['ours']) {
    const speedup = ratio(bulk?.[side], sequential?.[side]);
    if (speedup !== null) parts.push('', `Bulk of 1,000 creates vs 1,000 sequential POSTs [${side}]: ${ratioText(speedup)} the users/s`);
  }
  const costs = [...rateLimitLines(report), ...baselineLines(report)];
  if (costs.length) parts.push('', ...costs);
  if (report.roleGrant) {
    const grant = report.roleGrant;
    parts.push(
      '',
      grant.failed
        ? `Bulk role grant to every user: failed: ${grant.failed}`
        : `Bulk role grant to every user [ours]: ${grant.users} users in ${grant.seconds.toFixed(1)} s = ${Math.round(grant.usersPerSecond)} users/s; ${grant.holders} holders after; one version more per user: ${grant.oneWriteEach ? 'yes' : 'NO'}`,
    );
  }
  if (report.transfer) parts.push('', ...transferLines(report.transfer));
  const notes = skippedLines(report);
  if (notes.length) parts.push('', ...notes);
  if (report.targets?.length) {
    parts.push('', 'Targets (the project\'s own, README "Performance"):');
    for (const target of report.targets) parts.push(`  ${target.status.padEnd(7)} ${target.name}: ${target.detail}`);
  }
  return parts.join('\n');
}

/** README "Export and import": the export and import of every user, users/s and the server's peak RSS. */
function transferLines(transfer) {
  if (transfer.failed) return [`Export and import of every user: failed: ${transfer.failed}`];
  const line = (what, part) => `${what} of ${transfer.users} users [ours]: ${part.seconds.toFixed(1)} s = ${Math.round(part.usersPerSecond)} users/s; server peak RSS ${part.peakRssMiB === null ? 'n/a' : `${part.peakRssMiB.toFixed(0)} MiB`}${part.cpuMsPerUser == null ? '' : `; server CPU ${part.cpuMsPerUser.toFixed(2)} ms/user`}`;
  return [`${line('Export (POST /Users/.export/all)', transfer.export)}; file ${transfer.export.fileMiB.toFixed(1)} MiB`, line('Import (POST /Users/.import/all)', transfer.import)];
}

/** The README block: when and where it ran, the table, the scaling table, Bulk vs sequential and the targets. */
function markdownTable(report) {
  const { machine, options } = report;
  const intro = [
    `${report.startedAt.slice(0, 10)}, \`nproc\` = ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}.`,
    `N = ${options.n} users, ${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s per run` +
      (options.serverCpus || options.loadCpus ? `, servers on CPU ${options.serverCpus ?? 'any'}, load on CPU ${options.loadCpus ?? 'any'}` : ', not pinned') +
      '. Seeding: ' +
      Object.values(report.seeding)
        .map((seed) => `${seed.n} users at ${Math.round(seed.usersPerSecond)} users/s`)
        .join(', ') +
      '.',
    '',
  ];
  return [...intro, markdownTables(report), ...markdownNotes(report)].join('\n');
}

function markdownNotes(report) {
  const lines = [];
  const bulk = report.scenarios.find((row) => row.name === 'Bulk 1,000 creates');
  const sequential = report.scenarios.find((row) => row.name === 'POST x1 sequential');
  for (const side of peerRan(report) ? ['ours', 'peer'] : ['ours']) {
    const speedup = ratio(bulk?.[side], sequential?.[side]);
    if (speedup !== null) lines.push(`- Bulk of 1,000 creates vs 1,000 sequential POSTs (${side}): ${ratioText(speedup)} the users/s.`);
  }
  for (const line of [...rateLimitLines(report), ...baselineLines(report)]) lines.push(`- ${line}.`);
  for (const line of skippedLines(report)) lines.push(`- ${line}`);
  if (report.targets?.length) {
    lines.push('', 'The project\'s targets, checked on this run:', '');
    for (const target of report.targets) lines.push(`- ${target.status === 'met' ? 'met' : target.status === 'n/a' ? 'n/a' : '**missed**'}: ${target.name}: ${target.detail}`);
  }
  return lines.length ? ['', ...lines] : [];
}

function markdownTables(report) {
  const rows = [headerOf(report), ...rowsOf(report)];
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(rows[0]), line(rows[0].map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.slice(1).map(line)].join('\n');
}

/** The project's performance targets, read from the figures of this run (never asserted in a unit test). */
function checkTargets(report) {
  const row = (name) => report.scenarios.find((candidate) => candidate.name === name);
  const small = report.scaling.find((entry) => entry.n === Math.min(...report.scaling.map((candidate) => candidate.n)));
  const targets = [];
  const check = (name, value, wanted, format) => {
    if (value === null || value === undefined) targets.push({ name, status: 'n/a', detail: 'not measured in this run' });
    else targets.push({ name, status: value >= wanted ? 'met' : 'MISSED', value, detail: format(value) });
  };
  const share = (name, kind) => {
    const result = row(name)?.ours;
    const ceiling = report.ceiling[kind];
    return ok(result) && ok(ceiling) ? result.requestsPerSecond / ceiling.requestsPerSecond : null;
  };
  const percent = (wanted) => (value) => `${(100 * value).toFixed(0)}% (target ${(100 * wanted).toFixed(0)}%)`;
  const times = (wanted) => (value) => `${value.toFixed(1)}x (target ${wanted}x)`;

  check('get-by-id vs ceiling GET', share('get-by-id', 'get'), 0.6, percent(0.6));
  for (const name of ['filter userName eq', 'filter emails.value eq']) {
    check(`${name} vs ceiling GET`, share(name, 'get'), 0.5, percent(0.5));
    const base = small?.results[name];
    const full = row(name)?.ours;
    const kept = small && small.n < report.options.n && ok(base) && ok(full) ? full.requestsPerSecond / base.requestsPerSecond : null;
    check(`${name} at N=${report.options.n} vs N=${small?.n ?? '?'}`, kept, 0.8, percent(0.8));
  }
  const substring = row('filter emails.value co')?.ours;
  const equality = row('filter emails.value eq')?.ours;
  check('filter emails.value co vs eq', ok(substring) && ok(equality) ? substring.requestsPerSecond / equality.requestsPerSecond : null, 0.25, percent(0.25));
  const list = row('list startIndex (deep)')?.ours;
  check('list page of 100 (startIndex)', ok(list) ? list.requestsPerSecond : null, 500, (value) => `${value.toFixed(0)} req/s (target 500)`);
  check('create vs ceiling POST', share('create', 'post'), 0.4, percent(0.4));
  check('PATCH vs ceiling POST', share('PATCH replace', 'post'), 0.4, percent(0.4));
  const first = row('list cursor page 1')?.ours;
  const deep = row('list cursor deep')?.ours;
  check('cursor deep page vs page 1', ok(first) && ok(deep) ? deep.requestsPerSecond / first.requestsPerSecond : null, 0.9, percent(0.9));
  if (peerRan(report)) {
    for (const name of ['filter userName eq', 'filter emails.value eq', 'filter familyName co', 'list startIndex (deep)']) {
      check(`${name} vs peer`, ratio(row(name)?.ours, row(name)?.peer), 10, times(10));
    }
    for (const name of ['get-by-id', 'create', 'PATCH replace']) check(`${name} vs peer`, ratio(row(name)?.ours, row(name)?.peer), 2, times(2));
  }
  for (const cost of rateLimitCosts(report)) {
    const detail = `${signed(cost.cpuCost)} server CPU per request (target under ${100 * RATE_LIMIT_COST_TARGET}%)`;
    targets.push({ name: `rate limiting on ${cost.name}`, status: cost.cpuCost < RATE_LIMIT_COST_TARGET ? 'met' : 'MISSED', value: cost.cpuCost, detail });
  }
  // The same 10% target for what ours adds to a baseline commit (README "Performance": auditing, against the commit before it).
  for (const cost of baselineCosts(report)) {
    const detail = `${signed(cost.cpuCost)} server CPU per request against ${cost.baseline} (target under ${100 * RATE_LIMIT_COST_TARGET}%)`;
    targets.push({ name: `ours vs baseline on ${cost.name}`, status: cost.cpuCost < RATE_LIMIT_COST_TARGET ? 'met' : 'MISSED', value: cost.cpuCost, detail });
  }
  return targets;
}

module.exports = { formatReport, markdownTable, checkTargets, describeResult };
