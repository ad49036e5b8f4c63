// Command-line flags of `npm run bench` (after `--`).
'use strict';
const { SCENARIOS, SCENARIO_KEYS } = require('./scenarios');

const USAGE = `Usage: npm run bench -- [options]

  --n <users>            directory size (default 100000)
  --duration <seconds>   measured time per scenario and server (default 10)
  --warmup <seconds>     unmeasured warm-up before each measurement (default 3)
  --connections <k>      concurrent connections (default 10; the sequential and Bulk rows use 1)
  --scenarios <list>     comma-separated keys (default all): ${Object.keys(SCENARIO_KEYS).join(', ')}
  --sizes <list>         directory sizes for the scaling table (default 1000,10000,100000; sizes above --n are skipped)
  --no-peer              do not start the scimmy peer
  --server-cpus <list>   pin the servers with taskset -c (e.g. 0)
  --load-cpus <list>     pin the load generator with taskset -c (e.g. 1)
  --profile              run our server with --cpu-prof (profiles in <tmpdir>/scim-bench-profiles/)
  --rate-limit <mode>    on (default): our server checks its per-token and per-tenant rate limits on every request,
                         set so high that the load never reaches them (the cost of the checks, not refusals);
                         off: no rate limiting; compare: as on, then get-by-id and create in alternating runs on a
                         second server without rate limiting, on the same store, and what the limits cost
  --baseline <dir>       a built checkout of another commit (git worktree add <dir> <commit>; npm run build there):
                         get-by-id, userName eq, cursor page 1 and walk, create and PATCH (those --scenarios selects)
                         in 5 alternating runs each on its server and on ours, each on a
                         store seeded by its own code: what ours costs more, and the median req/s of each (README
                         "Performance": the commit before the audit trail landed gives the cost of auditing)
  --update-readme        write the result table into README.md (between the bench-table markers)
`;

function positiveInteger(name, value) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`--${name} must be a positive integer, not "${value}"`);
  return number;
}

function cpuList(name, value) {
  if (!/^\d+([-,]\d+)*$/.test(value)) throw new Error(`--${name} must be a CPU list such as 0 or 0-1 or 0,2, not "${value}"`);
  return value;
}

function parseArgs(argv) {
  const options = {
    n: 100_000,
    duration: 10,
    warmup: 3,
    connections: 10,
    scenarios: SCENARIOS.map((scenario) => scenario.name),
    sizes: [1000, 10_000, 100_000],
    peer: true,
    serverCpus: undefined,
    loadCpus: undefined,
    profile: false,
    rateLimit: 'on',
    baseline: undefined,
    updateReadme: false,
    help: false,
    usage: USAGE,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq === -1 ? undefined : eq) : arg;
    const value = () => {
      if (eq !== -1) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new Error(`--${name} needs a value`);
      return next;
    };
    switch (name) {
      case 'n':
        options.n = positiveInteger(name, value());
        break;
      case 'duration':
        options.duration = positiveInteger(name, value());
        break;
      case 'warmup':
        options.warmup = Number(value());
        if (!(options.warmup >= 0)) throw new Error('--warmup must be 0 or more seconds');
        break;
      case 'connections':
        options.connections = positiveInteger(name, value());
        break;
      case 'scenarios': {
        const keys = value().split(',').map((key) => key.trim()).filter(Boolean);
        const unknown = keys.filter((key) => !SCENARIO_KEYS[key]);
        if (unknown.length) throw new Error(`Unknown scenario ${unknown.join(', ')}; the scenarios are ${Object.keys(SCENARIO_KEYS).join(', ')}`);
        options.scenarios = keys.map((key) => SCENARIO_KEYS[key]);
        break;
      }
      case 'sizes':
        options.sizes = value().split(',').map((size) => positiveInteger('sizes', size.trim()));
        break;
      case 'no-peer':
        options.peer = false;
        break;
      case 'server-cpus':
        options.serverCpus = cpuList(name, value());
        break;
      case 'load-cpus':
        options.loadCpus = cpuList(name, value());
        break;
      case 'profile':
        options.profile = true;
        break;
      case 'rate-limit': {
        const mode = value();
        if (!['on', 'off', 'compare'].includes(mode)) throw new Error(`--rate-limit must be on, off or compare, not "${mode}"`);
        options.rateLimit = mode;
        break;
      }
      case 'baseline':
        options.baseline = value();
        break;
      case 'update-readme':
        options.updateReadme = true;
        break;
      case 'help':
      case 'h':
        options.help = true;
        break;
      default:
        throw new Error(`Unknown option ${arg}\n\n${USAGE}`);
    }
  }
  return options;
}

module.exports = { parseArgs };
