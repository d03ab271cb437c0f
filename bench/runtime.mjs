// npm run bench:runtime — the embedded-PHP bridge round trip, then HTTP "hello"
// through ephpm, raw fastify and nginx + php-fpm, with the targets checked.
// Env: BENCH_DURATION (wrk seconds per round, default 10), BENCH_ROUNDS (3), BENCH_CONNECTIONS (64),
// BENCH_BRIDGE_ITERATIONS (100000), BENCH_PIPELINE (16), BENCH_FPM_KEEPALIVE (1:
// idle FastCGI connections each nginx worker keeps in the keepalive variant), BENCH_EPHPM_BASELINE (a
// built checkout of ephpm, e.g. main before a change, measured as one more server), BENCH_SERVERS (which
// kinds to measure: ephpm,fastify,nginx; fewer servers leave room for more rounds).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAll, freePort, run, tail } from './lib/processes.mjs';
import { TARGETS, bridgeSection, httpSection, ratiosSection } from './lib/report.mjs';
import { startEphpm, startFastify, startNginxPhpFpm } from './lib/servers.mjs';
import { wrk } from './lib/wrk.mjs';
import { positiveInt } from './lib/settings.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const script = join(repo, 'bench/fixtures/hello.php');
const WORKERS = 2;
const EXPECTED_BODY = 'Hello, World!';
const EXPECTED_TYPE = 'text/plain; charset=utf-8';

const settings = {
  seconds: positiveInt('BENCH_DURATION', 10),
  connections: positiveInt('BENCH_CONNECTIONS', 64),
  threads: 2,
  bridgeIterations: Math.max(50_000, positiveInt('BENCH_BRIDGE_ITERATIONS', 100_000)),
  pipeline: positiveInt('BENCH_PIPELINE', 16),
  rounds: positiveInt('BENCH_ROUNDS', 3),
  fpmKeepalive: positiveInt('BENCH_FPM_KEEPALIVE', 1),
  baseline: process.env.BENCH_EPHPM_BASELINE || null,
  servers: (process.env.BENCH_SERVERS || 'ephpm,fastify,nginx').split(',').map((kind) => kind.trim()),
};
const EPHPM = 'ephpm serve';
const EPHPM_METRICS = 'ephpm serve, /metrics scraped every 1 s';
const EPHPM_BASELINE = 'ephpm serve, baseline checkout';
const warmupSeconds = Math.min(3, settings.seconds);

const scratch = mkdtempSync(join(tmpdir(), 'ephpm-bench-'));
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping benchmark servers`);
    killAll();
    rmSync(scratch, { recursive: true, force: true });
    process.exit(130);
  });
}

try {
  await main();
  rmSync(scratch, { recursive: true, force: true });
} catch (error) {
  console.error(`\nbench:runtime failed: ${error.message}\n(server logs kept in ${scratch})`);
  killAll();
  process.exit(1);
}

async function main() {
  const setup = await run('bash', [join(repo, 'scripts/setup-bench.sh')], { timeoutMs: 600_000 });
  if (setup.code !== 0) throw new Error(`scripts/setup-bench.sh failed:\n${setup.stderr}${setup.stdout}`);

  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    node: process.version,
    loadAverageAtStart: loadavg().map((load) => Number(load.toFixed(2))),
  };
  console.log(
    `ephpm runtime benchmark: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')}\n`,
  );

  console.log('Bridge round trip: running...');
  const bridge = await bridgeBench();
  console.log(`\n${bridgeSection(bridge)}\n`);

  // Kept FastCGI connections pin php-fpm children, so with 2 children the
  // keepalive variant can stall; both variants run and the faster one counts.
  const servers = [
    ['ephpm', (options) => startEphpm(options)],
    ['ephpm', (options) => startEphpm({ ...options, metrics: true, name: EPHPM_METRICS })],
    ...(settings.baseline
      ? [['ephpm', (options) => startEphpm({ ...options, checkout: settings.baseline, name: EPHPM_BASELINE })]]
      : []),
    ['fastify', (options) => startFastify(options)],
    ['nginx', (options) => startNginxPhpFpm({ ...options, upstreamKeepalive: settings.fpmKeepalive })],
    ['nginx', (options) => startNginxPhpFpm({ ...options, upstreamKeepalive: 0 })],
  ];
  const http = await httpBenchRounds(
    servers.filter(([kind]) => settings.servers.includes(kind)).map(([, start]) => start),
  );

  const wrkCommand = `wrk -t${settings.threads} -c${settings.connections} -d${settings.seconds}s --latency`;
  // ephpm variants by exact name; the others by prefix, the faster one counting.
  const rate = (name) => {
    const rates = http
      .filter((entry) => entry.name === name || (!name.startsWith('ephpm') && entry.name.startsWith(name)))
      .map((entry) => entry.wrk.requestsPerSec);
    return rates.length > 0 ? Math.max(...rates) : NaN;
  };
  const ratios = [
    { label: 'ephpm / fastify', value: rate(EPHPM) / rate('fastify'), target: TARGETS.ephpmOverFastify },
    {
      label: 'ephpm / nginx+php-fpm (faster variant)',
      value: rate(EPHPM) / rate('nginx'),
      target: TARGETS.ephpmOverNginx,
    },
    { label: 'ephpm, /metrics on / off', value: rate(EPHPM_METRICS) / rate(EPHPM), target: TARGETS.metricsOnOverOff },
    ...(settings.baseline
      ? [{ label: 'ephpm / baseline checkout (informational)', value: rate(EPHPM) / rate(EPHPM_BASELINE), target: 0 }]
      : []),
  ].filter((ratio) => Number.isFinite(ratio.value)); // both servers measured (BENCH_SERVERS)
  console.log(`\n${httpSection(http, wrkCommand, WORKERS, settings.rounds)}\n\n${ratiosSection(ratios)}\n`);

  const ephpmProblems = http
    .filter((entry) => entry.name.startsWith('ephpm'))
    .flatMap((entry) => entry.problems.map((line) => `${entry.name}: ${line}`));
  console.log(
    ephpmProblems.length
      ? `ephpm problems:\n${ephpmProblems.map((line) => `  - ${line}`).join('\n')}`
      : 'ephpm problems: none seen',
  );

  const resultsDir = join(repo, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `runtime-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine,
        settings: { ...settings, wrkCommand, warmupSeconds, workers: WORKERS },
        targets: TARGETS,
        bridge: { pass: bridge[0].pipelined.usPerRoundTrip <= TARGETS.bridgeUs, placements: bridge },
        http: http.map(({ wrk: { raw, ...numbers }, ...rest }) => ({ ...rest, wrk: numbers })),
        ratios: ratios.map((ratio) => ({ ...ratio, pass: ratio.value >= ratio.target })),
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nresults: ${file}`);
}

// Twice: threads free to spread over both CPUs (as served), then both pinned
// to one CPU, where a wake-up costs a context switch instead of a cross-CPU IPI.
async function bridgeBench() {
  const addon = process.env.EPHPM_ADDON ?? join(repo, 'native/build/ephpm.node');
  const child = join(repo, 'bench/lib/bridge-child.mjs');
  const args = [
    child,
    addon,
    script,
    String(settings.bridgeIterations),
    String(Math.ceil(settings.bridgeIterations / 5)),
    String(settings.pipeline),
  ];
  const placements = [{ placement: 'any CPU', command: process.execPath, args }];
  if (await hasTaskset())
    placements.push({ placement: 'one CPU', command: 'taskset', args: ['-c', '0', process.execPath, ...args] });
  const results = [];
  for (const { placement, command, args: commandArgs } of placements) {
    const { code, signal, stdout, stderr } = await run(command, commandArgs, { timeoutMs: 330_000 });
    if (code !== 0)
      throw new Error(
        `bridge benchmark (${placement}) failed (${signal ?? `code ${code}`}):\n${tail(stderr || stdout)}`,
      );
    const result = JSON.parse(stdout.trim().split('\n').at(-1));
    if (result.badResponses > 0)
      throw new Error(`bridge benchmark: ${result.badResponses} responses were not 200 "${EXPECTED_BODY}"`);
    results.push({ placement, ...result });
  }
  return results;
}

async function hasTaskset() {
  return run('taskset', ['-c', '0', 'true'], { timeoutMs: 5000 }).then(
    ({ code }) => code === 0,
    () => false,
  );
}

// All servers run side by side (an idle one costs nothing) and are measured
// in rounds, the order rotated each round, so drift on the shared cores hits
// every server alike; each server's median round is the one reported.
async function httpBenchRounds(starts) {
  const servers = [];
  try {
    for (const start of starts) {
      const server = await start({ repo, dir: scratch, port: await freePort(), workers: WORKERS, script });
      console.log(`${server.name}: starting on ${server.url}`);
      servers.push(server);
      server.problems = [];
      const first = await server.ready();
      server.firstResponse = first;
      if (first.body !== EXPECTED_BODY)
        server.problems.push(`answered ${JSON.stringify(first.body)} instead of ${JSON.stringify(EXPECTED_BODY)}`);
      if (first.headers['content-type'] !== EXPECTED_TYPE)
        server.problems.push(`Content-Type ${JSON.stringify(first.headers['content-type'])}`);
      console.log(`${server.name}: warm-up ${warmupSeconds}s`);
      await wrk(server.url, { threads: settings.threads, connections: settings.connections, seconds: warmupSeconds });
      server.rounds = [];
    }
    for (let round = 0; round < settings.rounds; round++) {
      const order = servers.map((_, index) => servers[(index + round) % servers.length]);
      for (const server of order) {
        console.log(`round ${round + 1}/${settings.rounds}: ${server.name}, ${settings.seconds}s`);
        const measured = await wrk(server.url, {
          threads: settings.threads,
          connections: settings.connections,
          seconds: settings.seconds,
        });
        server.rounds.push(measured);
        if (measured.non2xx > 0) server.problems.push(`round ${round + 1}: ${measured.non2xx} non-2xx/3xx responses`);
        const socketErrors = Object.entries(measured.socketErrors).filter(([, count]) => count > 0);
        if (socketErrors.length)
          server.problems.push(
            `round ${round + 1}: socket errors ${socketErrors.map(([kind, count]) => `${kind} ${count}`).join(', ')}`,
          );
      }
    }
    for (const server of servers) {
      if (server.scrapes) {
        if (server.scrapes.failed > 0)
          server.problems.push(
            `${server.scrapes.failed} of ${server.scrapes.ok + server.scrapes.failed} scrapes of /metrics failed (last: ${server.scrapes.lastError})`,
          );
        if (server.scrapes.ok === 0) server.problems.push('/metrics was never scraped');
        console.log(`${server.name}: ${server.scrapes.ok} scrapes of /metrics during the runs`);
      }
      const after = await fetch(server.url, { signal: AbortSignal.timeout(5000) })
        .then((response) => response.status)
        .catch((error) => error.message);
      if (after !== 200) server.problems.push(`after the runs a plain GET got ${after}`);
    }
  } finally {
    for (const server of servers) await stopAndCheck(server);
  }
  return servers.map((server) => {
    for (const problem of server.problems) console.log(`${server.name}: PROBLEM: ${problem}`);
    const byRate = [...server.rounds].sort((a, b) => a.requestsPerSec - b.requestsPerSec);
    return {
      name: server.name,
      url: server.url,
      config: server.config,
      firstResponse: server.firstResponse,
      wrk: byRate[Math.floor(byRate.length / 2)],
      roundsReqPerSec: server.rounds.map((measured) => Math.round(measured.requestsPerSec)),
      exits: server.exits,
      problems: server.problems,
    };
  });
}

async function stopAndCheck(server) {
  server.problems ??= [];
  const exits = await server.stop();
  server.exits = exits;
  for (const [name, exit] of Object.entries(exits)) {
    if (exit.killedAfterTimeout) {
      server.problems.push(
        `${name} did not stop within 10s of being signalled and was killed; its processes then:\n${exit.lingering}\nits output:\n${tail(server.procs.find((proc) => proc.name === name).output)}`,
      );
    } else if (exit.code !== 0)
      server.problems.push(`${name} exited with ${exit.signal ?? `code ${exit.code}`} when stopped`);
  }
  server.problems.push(...suspiciousOutput(server));
}

/** Output and log lines that look like trouble. */
function suspiciousOutput(server) {
  const logs = (server.logFiles ?? []).filter((file) => existsSync(file)).map((file) => readFileSync(file, 'utf8'));
  const text = [...server.procs.map((proc) => proc.output), ...logs].join('\n');
  return text
    .split('\n')
    .filter((line) => /error|warn|fatal|exception|uncaught|crash|died|segmentation|abort/i.test(line))
    .slice(0, 20)
    .map((line) => `log: ${line.trim()}`);
}
