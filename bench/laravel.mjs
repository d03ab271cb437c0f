// npm run bench:laravel — the same Laravel app (made by create-ephpm-laravel, production settings) on ephpm
// (`php artisan octane:start --server=ephpm`), nginx + php-fpm and @platformatic/php-node, 2 PHP workers each, on
// loopback; and the in-process ceiling (Octane's Worker::handle() in a PHP loop). Then a soak of ephpm on /api/db.
// Env: BENCH_DURATION (s per round, 10), BENCH_ROUNDS (3), BENCH_CONNECTIONS (100), BENCH_WARMUP (s, 3),
// BENCH_SOAK_SECONDS (60; 0 skips it), BENCH_SERVERS (ephpm,fpm,php-node,swoole,swoole-no-clear), BENCH_ROUTES
// (comma-separated paths), BENCH_SWOOLE_EXTENSION (a built swoole.so, for the two Octane + Swoole peers),
// BENCH_LARAVEL (a major for create-ephpm-laravel --laravel; default: the scaffolder's own pick), BENCH_SAME_REQUESTS
// (1000: the requests of each route every server gets before memory is compared).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchLaravelApp, PHP_SETTINGS } from './lib/laravel-bench-app.mjs';
import {
  ceilingSection,
  checks,
  cpuSection,
  serverCpuSection,
  checksSection,
  memoryCheck,
  ratioMatrix,
  routesSection,
  rssSection,
  soakSection,
  TARGETS,
} from './lib/laravel-report.mjs';
import {
  ceiling,
  PHP_NODE_VERSION,
  startNginxFpmLaravel,
  startOctaneEphpm,
  startOctaneSwoole,
  startPhpNode,
} from './lib/laravel-servers.mjs';
import { freePort, run, runBench, tail } from './lib/processes.mjs';
import { machineCpuUs, settle, threadCpuUs } from './lib/cpu.mjs';
import { descendants, memoryMb, rssMb } from './lib/rss.mjs';
import { privateBreakdownMb } from './lib/smaps-breakdown.mjs';
import { sameRequests } from './lib/same-requests.mjs';
import { positiveInt } from './lib/settings.mjs';
import { laravelChart } from './lib/svg-chart.mjs';
import { wrk } from './lib/wrk.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const WORKERS = 2;
/** The ceiling boots the app anew in each round: this much of the loop is not counted. */
const CEILING_WARMUP_SECONDS = 1;
/** Rest before memory is read: what a server gives back when idle (ephpm's workers, after 2 s) is given back by then. */
const IDLE_BEFORE_MEMORY_MS = 4000;
const ROUTES = [
  { path: '/api/health', type: 'application/json', body: '{"status":"ok"}' },
  { path: '/api/static', type: 'application/json' },
  { path: '/api/db', type: 'application/json' },
  { path: '/api/cpu', type: 'application/json' },
  { path: '/', type: 'text/html' },
  { path: '/blade', type: 'text/html' },
];
const SERVERS = {
  ephpm: startOctaneEphpm,
  fpm: startNginxFpmLaravel,
  phpNode: startPhpNode,
  swoole: (options) => startOctaneSwoole({ ...options, clearOpcache: true }),
  swooleNoClear: (options) => startOctaneSwoole({ ...options, clearOpcache: false }),
};
/** BENCH_SERVERS' names for the keys above. */
const SERVER_NAMES = { 'php-node': 'phpNode', 'swoole-no-clear': 'swooleNoClear' };
const soakSecondsSetting = process.env.BENCH_SOAK_SECONDS === '0' ? 0 : positiveInt('BENCH_SOAK_SECONDS', 60);
const settings = {
  seconds: positiveInt('BENCH_DURATION', 10),
  rounds: positiveInt('BENCH_ROUNDS', 3),
  connections: positiveInt('BENCH_CONNECTIONS', 100),
  warmupSeconds: positiveInt('BENCH_WARMUP', 3),
  sameRequests: positiveInt('BENCH_SAME_REQUESTS', 1000),
  soakSeconds: soakSecondsSetting,
  threads: 2,
  workers: WORKERS,
  servers: (process.env.BENCH_SERVERS || 'ephpm,fpm,php-node,swoole,swoole-no-clear')
    .split(',')
    .map((name) => SERVER_NAMES[name.trim()] ?? name.trim()),
  routes: process.env.BENCH_ROUTES
    ? process.env.BENCH_ROUTES.split(',').map((path) => path.trim())
    : ROUTES.map((route) => route.path),
  phpSettings: PHP_SETTINGS,
  laravel: process.env.BENCH_LARAVEL ? positiveInt('BENCH_LARAVEL', 11) : null,
};
const routes = ROUTES.filter((route) => settings.routes.includes(route.path));
const load = { threads: settings.threads, connections: settings.connections };

await runBench('bench:laravel', 'ephpm-bench-laravel-', main);

async function main(scratch) {
  const setup = await run('bash', [join(repo, 'scripts/setup-bench.sh')], { timeoutMs: 600_000 });
  if (setup.code !== 0) throw new Error(`scripts/setup-bench.sh failed:\n${setup.stderr}${setup.stdout}`);
  const uptime = (await run('uptime', [], { timeoutMs: 5000 })).stdout.trim();
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    node: process.version,
    uptimeAtStart: uptime,
    loadAverageAtStart: loadavg().map((value) => Number(value.toFixed(2))),
  };
  console.log(`bench:laravel: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}\nuptime: ${uptime}\n`);

  const app = await benchLaravelApp(repo, settings.laravel);
  const framework = installedVersion(app, 'laravel/framework');
  console.log(
    `app: ${relative(repo, app)} (laravel/framework ${framework}, laravel/octane ${installedVersion(app, 'laravel/octane')}; APP_ENV=production, APP_DEBUG=false, config/event/route/view caches; PHP ${Object.entries(
      PHP_SETTINGS,
    )
      .map(([key, value]) => `${key}=${value}`)
      .join(' ')})\n`,
  );

  const servers = {};
  const unavailable = {};
  try {
    for (const key of settings.servers) {
      try {
        servers[key] = await startAndCheck(key, app, scratch);
      } catch (error) {
        if (key === 'ephpm') throw error;
        unavailable[key] = error.message;
        console.log(`${key}: NOT MEASURED: ${error.message}\n`);
      }
    }
    for (const server of Object.values(servers)) await memoryAtSameRequests(server);
    const measured = await measureRounds(servers, app);
    for (const server of Object.values(servers)) {
      server.memoryAfter = server.workerPids().map(memoryMb);
      server.rssAfter = server.memoryAfter.map((memory) => memory?.rss ?? null);
      server.privateBreakdownAfter = server.workerPids().map(privateBreakdownMb);
      server.othersAfter = otherPids(server).map(memoryMb);
    }
    for (const key of Object.keys(servers).filter((name) => name !== 'ephpm')) await stopChecked(servers[key]);
    const soak = settings.soakSeconds > 0 ? await soakEphpm(servers.ephpm) : null;
    await stopChecked(servers.ephpm);
    report({ machine, app, framework, servers, unavailable, routes: measured, soak });
  } finally {
    for (const server of Object.values(servers)) if (!server.stopped) await server.stop().catch(() => {});
  }
}

async function startAndCheck(key, app, scratch) {
  const server = await SERVERS[key]({ repo, app, dir: scratch, port: await freePort(), workers: WORKERS });
  server.key = key;
  server.problems = [];
  console.log(`${server.name}: starting on ${server.url}`);
  await server.ready();
  const php = await fetch(new URL('/api/php', server.url)).then((response) => response.json());
  server.php = php;
  console.log(
    `${server.name}: PHP ${php.version} (${php.sapi}${php.zts ? ', ZTS' : ''}), OPcache ${php.opcache ? 'on' : 'OFF'}, JIT ${php.jit ? 'on' : 'off'}, validate_timestamps=${php.validateTimestamps}, memory_limit=${php.memoryLimit}`,
  );
  if (key === 'phpNode')
    console.log(
      `${server.name}: bundles its own PHP (${php.version}${php.zts ? ' ZTS' : ''}, not Debian's 8.2)${php.opcache ? '' : "; it has no OPcache, so every request compiles the app's PHP again"}`,
    );
  for (const route of routes) {
    const response = await fetch(new URL(route.path, server.url), { signal: AbortSignal.timeout(30_000) });
    const body = await response.text();
    const type = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !type.startsWith(route.type) || (route.body && body !== route.body)) {
      throw new Error(`${server.name} ${route.path}: HTTP ${response.status} ${type}: ${tail(body, 5).slice(0, 500)}`);
    }
  }
  server.rssBefore = server.workerPids().map(rssMb);
  console.log(
    `${server.name}: every route answers; RSS per ${server.workerKind}: ${server.rssBefore.map((value) => value?.toFixed(0)).join(' / ')} MB\n`,
  );
  return server;
}

/** The workers' memory once each has had the same requests of every route, then IDLE_BEFORE_MEMORY_MS of rest. */
async function memoryAtSameRequests(server) {
  console.log(`${server.name}: ${settings.sameRequests} requests of each route, then its workers' memory`);
  for (const route of routes) {
    const failures = await sameRequests(new URL(route.path, server.url).href, settings.sameRequests);
    if (failures.length > 0)
      server.problems.push(
        `${failures.length} of ${settings.sameRequests} requests of ${route.path} failed: ${failures[0]}`,
      );
  }
  await sleep(IDLE_BEFORE_MEMORY_MS);
  server.memoryAtSameRequests = server.workerPids().map(memoryMb);
  server.privateBreakdownAtSameRequests = server.workerPids().map(privateBreakdownMb);
}

// Every server, and the in-process ceiling, runs through the rounds; within a round each route's participants go
// in an order rotated by round and route, so drift on the shared cores hits them alike, each one once the machine
// is idle again (php-node works off its queue for seconds after wrk stops). Each one's median round
// per route is reported. For ephpm the CPU its workers' threads used is summed over the rounds.
async function measureRounds(servers, app) {
  const keys = [...Object.keys(servers), 'ceiling'];
  const results = routes.map((route) => ({
    path: route.path,
    rounds: Object.fromEntries(keys.map((key) => [key, []])),
    cpu: { main: 0, others: 0, machineBusy: 0, machineTotal: 0, requests: 0 },
    serverCpu: Object.fromEntries(
      Object.keys(servers).map((key) => [key, { workerMain: 0, workerOthers: 0, others: 0, requests: 0 }]),
    ),
  }));
  for (const key of Object.keys(servers)) {
    for (const route of routes) {
      console.log(`warm-up ${servers[key].name} ${route.path}: ${settings.warmupSeconds}s`);
      await wrk(new URL(route.path, servers[key].url).href, { ...load, seconds: settings.warmupSeconds });
    }
  }
  for (let round = 0; round < settings.rounds; round++) {
    for (const [routeIndex, result] of results.entries()) {
      const order = keys.map((_, index) => keys[(index + round + routeIndex) % keys.length]);
      for (const key of order) {
        const waited = await settle();
        console.log(
          `round ${round + 1}/${settings.rounds} ${result.path} ${key === 'ceiling' ? 'in-process ceiling' : servers[key].name}: ${settings.seconds}s${waited > 1000 ? ` (after ${(waited / 1000).toFixed(1)} s for the machine to go idle)` : ''}`,
        );
        if (key === 'ceiling') {
          const measured = await ceiling({
            repo,
            app,
            path: result.path,
            seconds: settings.seconds,
            warmupSeconds: CEILING_WARMUP_SECONDS,
          });
          result.rounds.ceiling.push({ ...measured, reqPerSec: measured.reqPerSecPerWorker * WORKERS });
          continue;
        }
        const pids = key === 'ephpm' ? servers.ephpm.workerPids() : [];
        const processes = serverProcesses(servers[key]);
        const before = { threads: threadCpuUs(pids), machine: machineCpuUs(), server: serverCpuUs(processes) };
        const measured = await wrk(new URL(result.path, servers[key].url).href, { ...load, seconds: settings.seconds });
        addServerCpu(result.serverCpu[key], before.server, serverCpuUs(processes), measured.requests);
        if (key === 'ephpm') {
          const threads = threadCpuUs(pids);
          const machine = machineCpuUs();
          result.cpu.main += threads.main - before.threads.main;
          result.cpu.others += threads.others - before.threads.others;
          result.cpu.machineBusy += machine.busy - before.machine.busy;
          result.cpu.machineTotal += machine.total - before.machine.total;
          result.cpu.requests += measured.requests;
        }
        result.rounds[key].push(measured);
      }
    }
  }
  return results.map(({ path, rounds, cpu, serverCpu }) => {
    const ceilingRounds = [...rounds.ceiling].sort((a, b) => a.reqPerSec - b.reqPerSec);
    return {
      path,
      byServer: Object.fromEntries(
        Object.keys(servers).map((key) => {
          const byRate = [...rounds[key]].sort((a, b) => a.requestsPerSec - b.requestsPerSec);
          const { raw, ...median } = byRate[Math.floor(byRate.length / 2)];
          return [key, { wrk: median, roundsReqPerSec: rounds[key].map((entry) => Math.round(entry.requestsPerSec)) }];
        }),
      ),
      ceiling: {
        ...ceilingRounds[Math.floor(ceilingRounds.length / 2)],
        roundsReqPerSec: rounds.ceiling.map((entry) => Math.round(entry.reqPerSec)),
      },
      ephpmCpu: {
        nodeMainThreadUsPerRequest: cpu.main / cpu.requests,
        otherThreadsUsPerRequest: cpu.others / cpu.requests,
        machineBusyUsPerRequest: cpu.machineBusy / cpu.requests,
        machineIdleShare: 1 - cpu.machineBusy / cpu.machineTotal,
      },
      cpuByServer: Object.fromEntries(
        Object.entries(serverCpu).map(([key, used]) => [
          key,
          {
            workerMainThreadsUsPerRequest: used.workerMain / used.requests,
            workerOtherThreadsUsPerRequest: used.workerOthers / used.requests,
            otherProcessesUsPerRequest: used.others / used.requests,
          },
        ]),
      ),
    };
  });
}

/** A server's worker processes and its other ones (launcher, master with Swoole's reactor threads, nginx, ephpm's supervisor). */
function serverProcesses(server) {
  return { workers: [...new Set(server.workerPids())], others: otherPids(server) };
}

/** CPU µs used so far: the workers' main threads, their other threads, and every thread of the other processes. */
function serverCpuUs({ workers, others }) {
  const inWorkers = threadCpuUs(workers);
  const inOthers = threadCpuUs(others);
  return { workerMain: inWorkers.main, workerOthers: inWorkers.others, others: inOthers.main + inOthers.others };
}

function addServerCpu(total, before, after, requests) {
  for (const field of ['workerMain', 'workerOthers', 'others']) total[field] += after[field] - before[field];
  total.requests += requests;
}

/** /api/db at 100 connections; RSS of each worker sampled every second, read at 10 s and at the end. */
async function soakEphpm(server) {
  const url = new URL('/api/db', server.url).href;
  const pids = server.workerPids();
  console.log(`\nsoak: ${server.name} /api/db, 100 connections, ${settings.soakSeconds}s`);
  const samples = [];
  const started = Date.now();
  const running = wrk(url, { threads: settings.threads, connections: 100, seconds: settings.soakSeconds });
  let done = false;
  running.finally(() => (done = true));
  while (!done) {
    samples.push({ t: (Date.now() - started) / 1000, rss: pids.map(rssMb) });
    await Promise.race([sleep(1000), running.catch(() => {})]);
  }
  const measured = await running;
  const at10s = samples.find((sample) => sample.t >= 10) ?? samples[0];
  const atEnd = samples.at(-1);
  const workers = pids.map((pid, index) => ({ pid, at10s: at10s.rss[index], atEnd: atEnd.rss[index] }));
  const growth = workers.map((worker) => (worker.atEnd - worker.at10s) / worker.at10s);
  const { raw, ...numbers } = measured;
  const errors = measured.non2xx + Object.values(measured.socketErrors).reduce((sum, count) => sum + count, 0);
  return {
    command: measured.command,
    wrk: numbers,
    errors,
    sampleTimes: { at10s: at10s.t, atEnd: atEnd.t },
    workers,
    growth,
    rssPass: growth.every((value) => Number.isFinite(value) && value < TARGETS.soakRssGrowth),
    workersReplaced: server.workerPids().join(',') !== pids.join(','),
  };
}

async function stopChecked(server) {
  server.stopped = true;
  const exits = await server.stop();
  for (const [name, exit] of Object.entries(exits)) {
    if (exit.killedAfterTimeout) server.problems.push(`${name} did not stop within 10s and was killed`);
    else if (exit.code !== 0 && exit.signal !== 'SIGTERM')
      server.problems.push(`${name} exited with ${exit.signal ?? `code ${exit.code}`} when stopped`);
  }
}

/** One line per worker: its private memory by kind (`key`: when it was read), the kinds of 0.5 MB or more. */
function printBreakdowns(servers, key, when) {
  for (const server of Object.values(servers)) {
    for (const [index, kinds] of (server[key] ?? []).entries()) {
      if (!kinds) continue;
      const parts = Object.entries(kinds).filter(([, mb]) => mb >= 0.5);
      console.log(
        `  ${server.name} worker ${index + 1} ${when}, private MB by kind (/proc/<pid>/smaps): ${parts.map(([kind, mb]) => `${kind} ${mb}`).join(', ')}`,
      );
    }
  }
}

function report({ machine, app, framework, servers, unavailable, routes: measured, soak }) {
  const memory = memoryCheck(servers);
  const list = [...checks(measured), ...(memory ? [memory] : [])];
  const wrkCommand = `wrk -t${settings.threads} -c${settings.connections} -d${settings.seconds}s --timeout 5s --latency`;
  console.log(
    `\nLaravel, ${WORKERS} PHP workers per server, 127.0.0.1, ${wrkCommand}; median of ${settings.rounds} rounds, order rotated; ${settings.warmupSeconds}s warm-up per server and route`,
  );
  console.log(routesSection(measured, servers));
  console.log(
    `\nIn-process ceiling: Octane's Worker::handle() in a PHP loop with a clone of a prebuilt request, no HTTP (php CLI, same ini), ${settings.seconds}s per route and round, in the rotation`,
  );
  console.log(ceilingSection(measured));
  console.log(
    `\nCPU per request: ephpm's worker processes over all rounds (from /proc) vs the ceiling's PHP (getrusage)\n${cpuSection(measured)}`,
    `\nCPU per request by server, all rounds (from /proc; an ephpm worker's main thread is Node's, its PHP runs on another; Swoole's reactor threads are in its master)\n${serverCpuSection(measured, servers)}`,
  );
  console.log(
    `\nMemory per PHP worker (MB; PSS shares shared pages among their sharers, private is what one more worker costs)\n${rssSection(servers, settings.sameRequests)}`,
  );
  printBreakdowns(servers, 'privateBreakdownAtSameRequests', `after ${settings.sameRequests} of each route`);
  printBreakdowns(servers, 'privateBreakdownAfter', 'after all rounds');
  if (soak) console.log(`\nSoak\n${soakSection(soak)}`);
  console.log(`\nRatios (✓ / ✗ where there is a target)\n${ratioMatrix(measured, list)}`);
  console.log(`\nTargets\n${checksSection(list, soak)}`);
  for (const [key, why] of Object.entries(unavailable)) console.log(`\n${key} not measured: ${why}`);
  for (const server of Object.values(servers))
    for (const problem of server.problems) console.log(`${server.name}: PROBLEM: ${problem}`);
  if (servers.phpNode)
    console.log(
      `\nNote: @platformatic/php-node ${PHP_NODE_VERSION} bundles its own PHP ${servers.phpNode.php.version}${servers.phpNode.php.zts ? ' (ZTS)' : ''}, not Debian's ${servers.ephpm.php.version}, and ${servers.phpNode.php.opcache ? 'has' : 'has no'} OPcache.`,
    );

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(repo, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const results = {
    date: new Date().toISOString(),
    machine,
    app: relative(repo, app),
    framework,
    settings: { ...settings, wrkCommand },
    targets: TARGETS,
    servers: Object.fromEntries(
      Object.entries(servers).map(([key, server]) => [
        key,
        {
          name: server.name,
          php: server.php,
          workerKind: server.workerKind,
          rssBeforeMb: server.rssBefore,
          rssAfterMb: server.rssAfter,
          memoryAtSameRequestsMb: server.memoryAtSameRequests,
          memoryAfterMb: server.memoryAfter,
          privateBreakdownAtSameRequestsMb: server.privateBreakdownAtSameRequests,
          privateBreakdownAfterMb: server.privateBreakdownAfter,
          problems: server.problems,
        },
      ]),
    ),
    unavailable,
    routes: measured,
    checks: list,
    soak,
  };
  const json = join(dir, `laravel-${stamp}.json`);
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  const svg = join(dir, `laravel-${stamp}.svg`);
  writeFileSync(svg, chart(results, servers));
  const latest = settings.laravel ? `laravel-${settings.laravel}-latest` : 'laravel-latest';
  copyFileSync(json, join(dir, `${latest}.json`));
  copyFileSync(svg, join(dir, `${latest}.svg`));
  console.log(
    `\nresults: ${relative(repo, json)}\nchart:   ${relative(repo, svg)} (also bench/results/${latest}.{json,svg})`,
  );
}

/** A package's version in the app, as Composer installed it. */
function installedVersion(app, name) {
  const installed = JSON.parse(readFileSync(join(app, 'vendor/composer/installed.json'), 'utf8'));
  return (installed.packages ?? installed).find((pkg) => pkg.name === name)?.version ?? '?';
}

function chart(results, servers) {
  const series = [
    { key: 'ephpm', label: 'ephpm (octane:start)' },
    { key: 'fpm', label: 'nginx + php-fpm' },
    { key: 'phpNode', label: `php-node (PHP ${servers.phpNode?.php.version ?? '?'}, no OPcache)` },
    { key: 'swoole', label: 'Octane + Swoole' },
    { key: 'swooleNoClear', label: 'Octane + Swoole, clear_opcache off' },
    { key: 'ceiling', label: 'in-process ceiling' },
  ].filter((entry) => entry.key === 'ceiling' || servers[entry.key]);
  return laravelChart({
    title: `Laravel ${results.framework.replace(/^v/, '')} on 2 PHP workers: ephpm vs nginx + php-fpm, php-node and Octane + Swoole`,
    subtitle: `${results.settings.wrkCommand}, median of ${settings.rounds} rounds · ${results.date.slice(0, 16)} · load at start ${results.machine.loadAverageAtStart.join(' ')}`,
    series,
    throughput: results.routes.map((route) => ({
      path: route.path,
      values: {
        ...Object.fromEntries(Object.entries(route.byServer).map(([key, entry]) => [key, entry.wrk.requestsPerSec])),
        ceiling: route.ceiling?.reqPerSec,
      },
    })),
    latency: results.routes.map((route) => ({
      path: route.path,
      values: Object.fromEntries(Object.entries(route.byServer).map(([key, entry]) => [key, entry.wrk.p99Ms])),
    })),
  });
}

/** The server's processes that are not workers (its launcher, master, manager; ephpm's supervisor, zygote, proxies). */
function otherPids(server) {
  const workers = new Set(server.workerPids());
  const all = server.procs.flatMap((proc) => [proc.child.pid, ...descendants(proc.child.pid, /./)]);
  return [...new Set(all)].filter((pid) => !workers.has(pid));
}
