// The load generator, in a process of its own (forked by the orchestrator, optionally pinned to its own core):
// receives one job over IPC, runs autocannon for the warm-up and then for the measured period, and sends back
// the figures of the measured period only.
'use strict';
const autocannon = require('autocannon');
const { SCENARIOS_BY_NAME } = require('./scenarios');

function run(options) {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

async function measure(job) {
  const scenario = SCENARIOS_BY_NAME.get(job.scenario);
  if (!scenario) throw new Error(`Unknown scenario ${job.scenario}`);
  const options = () => ({
    url: job.url,
    connections: scenario.connections ?? job.connections,
    pipelining: 1,
    timeout: 30,
    requests: scenario.requests(job.target),
    ...(scenario.verify ? { verifyBody: scenario.verify } : {}),
  });
  if (job.warmup > 0) await run({ ...options(), duration: job.warmup });
  const result = await run({ ...options(), duration: job.duration });
  const seconds = result.duration > 0 ? result.duration : job.duration;
  const completed = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  const perRequest = scenario.perRequest ? scenario.perRequest(job.target) : 1;
  return {
    requests: completed,
    requestsPerSecond: completed / seconds,
    unitsPerSecond: (completed * perRequest) / seconds,
    unit: scenario.unit ?? 'requests',
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
    statusCodes: result.statusCodeStats,
    connections: scenario.connections ?? job.connections,
    seconds,
  };
}

process.on('message', (job) => {
  measure(job).then(
    (result) => process.send({ type: 'result', result }),
    (error) => process.send({ type: 'error', message: error instanceof Error ? error.stack : String(error) }),
  );
});
