// bench:laravel's tables and verdicts, from the measured numbers (bench/laravel.mjs).
import { ms } from './report.mjs';

export const SERVER_KEYS = ['ephpm', 'fpm', 'phpNode', 'swoole', 'swooleNoClear'];

/**
 * Targets: req/s ratios per route and the soak (issue 17); against Octane + Swoole as users tune it, clear_opcache
 * off (issue 26): req/s, p99, and private memory per worker.
 */
export const TARGETS = {
  overFpm: { '/api/health': 3.0, '/api/static': 3.0, '/api/db': 2.0, '/': 2.0 },
  overCeiling: { '/api/health': 0.85 },
  overPhpNode: 1.0,
  overSwoole: { '/api/health': 1.15, '/api/static': 1.15, '/api/db': 1.15, '/': 1.15, '/api/cpu': 1.0, '/blade': 1.0 },
  privateMemoryOverSwoole: 1.3,
  soakRssGrowth: 0.1,
};

const thousands = (value) =>
  value === null || value === undefined || Number.isNaN(value) ? 'n/a' : Math.round(value).toLocaleString('en-US');
const fixed = (value, digits = 2) =>
  value === Infinity
    ? '∞'
    : value === null || value === undefined || !Number.isFinite(value)
      ? 'n/a'
      : value.toFixed(digits);
const mb = (values) =>
  values?.length ? values.map((value) => (value === null ? 'gone' : value.toFixed(0))).join(' / ') : 'n/a';
const verdict = (pass) => (pass === null ? 'info' : pass ? 'PASS' : 'FAIL');

export function table(header, rows) {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => String(row[column]).length)));
  const line = (cells) =>
    `  ${cells.map((cell, column) => (column === 0 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column]))).join('   ')}`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

const errorsOf = (wrk) => Object.values(wrk.socketErrors).reduce((sum, count) => sum + count, 0);

/** One row per route and server: the median round, every round, latencies, errors. */
export function routesSection(routes, servers) {
  const rows = routes.flatMap((route) =>
    SERVER_KEYS.filter((key) => route.byServer[key]).map((key) => {
      const { wrk, roundsReqPerSec } = route.byServer[key];
      return [
        route.path,
        servers[key].name,
        thousands(wrk.requestsPerSec),
        roundsReqPerSec.map(thousands).join(' / '),
        ms(wrk.p50Ms),
        ms(wrk.p99Ms),
        String(wrk.non2xx),
        String(errorsOf(wrk)),
      ];
    }),
  );
  return table(['route', 'server', 'req/s', 'each round', 'p50', 'p99', 'non-2xx', 'socket errors'], rows);
}

export function ceilingSection(routes) {
  const rows = routes
    .filter((route) => route.ceiling)
    .map(({ path, ceiling }) => [
      path,
      thousands(ceiling.reqPerSecPerWorker),
      thousands(ceiling.reqPerSec),
      ceiling.roundsReqPerSec.map(thousands).join(' / '),
      ms(ceiling.p50Ms),
      ms(ceiling.p99Ms),
    ]);
  return table(['route', 'req/s, 1 worker', '× 2 workers', 'each round (× 2)', 'p50', 'p99'], rows);
}

/**
 * What the server adds to Laravel, in CPU rather than req/s (which the load generator and other users of the
 * machine share): ephpm's Node main thread and its other threads (the PHP thread, V8 and libuv helpers) against the
 * ceiling's PHP alone.
 */
export function cpuSection(routes) {
  const rows = routes
    .filter((route) => route.ephpmCpu && route.ceiling)
    .map(({ path, ephpmCpu: cpu, ceiling }) => {
      const total = cpu.nodeMainThreadUsPerRequest + cpu.otherThreadsUsPerRequest;
      return [
        path,
        fixed(cpu.otherThreadsUsPerRequest, 0),
        fixed(cpu.nodeMainThreadUsPerRequest, 0),
        fixed(total, 0),
        fixed(ceiling.cpuUsPerRequest, 0),
        fixed(ceiling.cpuUsPerRequest / total),
        fixed(cpu.machineBusyUsPerRequest, 0),
        `${(cpu.machineIdleShare * 100).toFixed(0)}%`,
      ];
    });
  return table(
    [
      'route',
      'ephpm PHP thread+helpers µs',
      'Node main µs',
      'ephpm total µs',
      'ceiling µs',
      'ceiling / ephpm',
      'whole machine µs',
      'machine idle',
    ],
    rows,
  );
}

/** Each server's CPU per request: its worker processes (main thread, other threads), its other processes, in all. */
export function serverCpuSection(routes, servers) {
  const rows = routes.flatMap(({ path, cpuByServer }) =>
    SERVER_KEYS.filter((key) => cpuByServer?.[key]).map((key) => {
      const cpu = cpuByServer[key];
      const workers = cpu.workerMainThreadsUsPerRequest + cpu.workerOtherThreadsUsPerRequest;
      return [
        path,
        servers[key].name,
        fixed(cpu.workerMainThreadsUsPerRequest, 0),
        fixed(cpu.workerOtherThreadsUsPerRequest, 0),
        fixed(workers, 0),
        fixed(cpu.otherProcessesUsPerRequest, 0),
        fixed(workers + cpu.otherProcessesUsPerRequest, 0),
      ];
    }),
  );
  return table(
    ['route', 'server', 'workers: main threads µs', 'other threads µs', 'workers µs', 'other processes µs', 'all µs'],
    rows,
  );
}

export function rssSection(servers, sameRequests) {
  const at = (key, moment, field) => mb(servers[key][moment]?.map((memory) => memory?.[field] ?? null));
  const rows = SERVER_KEYS.filter((key) => servers[key]?.rssBefore).map((key) => [
    servers[key].name,
    servers[key].workerKind,
    mb(servers[key].rssBefore),
    at(key, 'memoryAtSameRequests', 'pss'),
    at(key, 'memoryAtSameRequests', 'private'),
    at(key, 'memoryAfter', 'rss'),
    at(key, 'memoryAfter', 'pss'),
    at(key, 'memoryAfter', 'private'),
    othersPrivate(servers[key]),
  ]);
  return table(
    [
      'server',
      'worker',
      'RSS MB before, per worker',
      `PSS after ${sameRequests} of each route`,
      `private after ${sameRequests} of each route`,
      'RSS after all rounds',
      'PSS after',
      'private after',
      'other processes, private MB in all',
    ],
    rows,
  );
}

/** The private memory of the server's other processes together (once per server, not per worker). */
function othersPrivate(server) {
  const others = server.othersAfter?.filter(Boolean) ?? [];
  if (others.length === 0) return '–';
  return `${others.reduce((sum, memory) => sum + memory.private, 0).toFixed(1)} (${others.length} processes)`;
}

const average = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;

/**
 * Private memory per worker (mean), ephpm against Octane + Swoole with clear_opcache off, once each has had the same
 * requests: after the timed rounds, a server that answered more requests also holds more of what the app keeps.
 */
export function memoryCheck(servers) {
  const privateMb = (key) => servers[key]?.memoryAtSameRequests?.filter(Boolean).map((memory) => memory.private) ?? [];
  const ephpm = privateMb('ephpm');
  const swoole = privateMb('swooleNoClear');
  if (ephpm.length === 0 || swoole.length === 0) return null;
  const value = average(ephpm) / average(swoole);
  return {
    route: 'every route',
    label: 'ephpm / Swoole (clear_opcache off), private MB per worker after the same requests',
    value,
    target: TARGETS.privateMemoryOverSwoole,
    atLeast: false,
    pass: value <= TARGETS.privateMemoryOverSwoole,
  };
}

/** Every target as a check with its value, plus the ratios that have no target (info). */
export function checks(routes) {
  const list = [];
  const rate = (route, key) => route.byServer[key]?.wrk.requestsPerSec ?? NaN;
  for (const route of routes) {
    const ephpm = route.byServer.ephpm?.wrk;
    if (!ephpm) continue;
    if (route.byServer.fpm) {
      const target = TARGETS.overFpm[route.path] ?? null;
      list.push({
        route: route.path,
        label: 'ephpm / nginx+php-fpm, req/s',
        value: rate(route, 'ephpm') / rate(route, 'fpm'),
        target,
        atLeast: true,
      });
      list.push({
        route: route.path,
        label: 'ephpm p99 / php-fpm p99',
        value: ephpm.p99Ms / route.byServer.fpm.wrk.p99Ms,
        target: 1.0,
        atLeast: false,
      });
    }
    if (route.byServer.phpNode) {
      list.push({
        route: route.path,
        label: 'ephpm / php-node, req/s',
        value: rate(route, 'ephpm') / rate(route, 'phpNode'),
        target: TARGETS.overPhpNode,
        atLeast: true,
        strictly: true,
      });
    }
    for (const [key, label, target] of [
      ['swoole', 'ephpm / Octane+Swoole, req/s', null],
      ['swooleNoClear', 'ephpm / Swoole (clear_opcache off), req/s', TARGETS.overSwoole[route.path] ?? null],
    ]) {
      if (!route.byServer[key]) continue;
      list.push({ route: route.path, label, value: rate(route, 'ephpm') / rate(route, key), target, atLeast: true });
    }
    if (route.byServer.swooleNoClear) {
      list.push({
        route: route.path,
        label: 'ephpm p99 / Swoole (clear_opcache off) p99',
        value: ephpm.p99Ms / route.byServer.swooleNoClear.wrk.p99Ms,
        target: 1.0,
        atLeast: false,
      });
    }
    if (route.ceiling) {
      list.push({
        route: route.path,
        label: 'ephpm / in-process ceiling',
        value: rate(route, 'ephpm') / route.ceiling.reqPerSec,
        target: TARGETS.overCeiling[route.path] ?? null,
        atLeast: true,
      });
    }
  }
  return list.map((check) => ({ ...check, pass: passes(check) }));
}

function passes({ value, target, atLeast, strictly }) {
  if (target === null) return null;
  if (Number.isNaN(value)) return false;
  if (strictly) return value > target;
  return atLeast ? value >= target : value <= target;
}

export function ratioMatrix(routes, list) {
  const find = (route, label) => list.find((check) => check.route === route && check.label === label);
  const cell = (check) =>
    check ? `${fixed(check.value)}${check.target === null ? '' : ` ${check.pass ? '✓' : '✗'}`}` : 'n/a';
  const rows = routes.map(({ path }) => [
    path,
    cell(find(path, 'ephpm / nginx+php-fpm, req/s')),
    cell(find(path, 'ephpm p99 / php-fpm p99')),
    cell(find(path, 'ephpm / php-node, req/s')),
    cell(find(path, 'ephpm / Octane+Swoole, req/s')),
    cell(find(path, 'ephpm / Swoole (clear_opcache off), req/s')),
    cell(find(path, 'ephpm p99 / Swoole (clear_opcache off) p99')),
    cell(find(path, 'ephpm / in-process ceiling')),
  ]);
  return table(
    [
      'route',
      'ephpm / fpm',
      'p99 ephpm / fpm',
      'ephpm / php-node',
      'ephpm / Swoole',
      'ephpm / Swoole tuned',
      'p99 ephpm / Swoole tuned',
      'ephpm / ceiling',
    ],
    rows,
  );
}

export function checksSection(list, soak) {
  const rows = list
    .filter((check) => check.target !== null)
    .map((check) => [
      `${check.route}: ${check.label}`,
      fixed(check.value),
      `${check.atLeast ? (check.strictly ? '>' : '≥') : '≤'} ${check.target.toFixed(2)}`,
      verdict(check.pass),
    ]);
  if (soak) {
    rows.push(['soak /api/db: errors (non-2xx + socket)', String(soak.errors), '= 0', verdict(soak.errors === 0)]);
    rows.push([
      'soak /api/db: RSS growth per worker, 10 s → end',
      soak.growth.map((growth) => `${(growth * 100).toFixed(1)}%`).join(' / '),
      `< ${TARGETS.soakRssGrowth * 100}%`,
      verdict(soak.rssPass),
    ]);
  }
  return table(['target', 'value', 'target', 'result'], rows);
}

export function soakSection(soak) {
  return [
    `${soak.command}: ${thousands(soak.wrk.requestsPerSec)} req/s, p50 ${ms(soak.wrk.p50Ms)}, p99 ${ms(soak.wrk.p99Ms)}, non-2xx ${soak.wrk.non2xx}, socket errors ${errorsOf(soak.wrk)}`,
    table(
      ['worker pid', 'RSS MB at 10 s', 'at end', 'growth'],
      soak.workers.map((worker, index) => [
        String(worker.pid),
        fixed(worker.at10s, 1),
        fixed(worker.atEnd, 1),
        `${(soak.growth[index] * 100).toFixed(1)}%`,
      ]),
    ),
  ].join('\n');
}
