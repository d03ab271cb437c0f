// npm run bench:table — shared-table operations per second from PHP inside one
// ephpm worker (a PHP loop timed with hrtime), against the same operations as
// Redis round trips (redis-server on loopback, phpredis), in the same run; and the
// same operations through Octane::table() in a request worker of a Laravel app
// (php artisan octane:start --server=ephpm), the table held in a variable and
// fetched with Octane::table('users') for every operation.
// Env: BENCH_TABLE_OPS (operations per table run, default 2,000,000),
// BENCH_REDIS_OPS (per Redis run, default 100,000), BENCH_ROUNDS (best of, default 3).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchRoute, laravelApp, startLaravel } from './lib/laravel.mjs';
import { freePort, launch, run, runBench, stop, tail, waitForOutput } from './lib/processes.mjs';
import { positiveInt } from './lib/settings.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_OPS = 1_000_000;
const OPS = ['set', 'get', 'get-field', 'incr'];
const REDIS_EQUIVALENT = { set: 'HMSET', get: 'HGETALL', 'get-field': 'HGET', incr: 'HINCRBY' };
const TABLES = { 'bench:2048': { name: 'string:64', votes: 'int' } };
const settings = {
  tableOps: positiveInt('BENCH_TABLE_OPS', 2_000_000),
  redisOps: positiveInt('BENCH_REDIS_OPS', 100_000),
  rounds: positiveInt('BENCH_ROUNDS', 3),
};

let scratch;
await runBench('bench:table', 'ephpm-bench-table-', main);

async function main(dir) {
  scratch = dir;
  const setup = await run('bash', [join(repo, 'scripts/setup-bench.sh'), 'table'], { timeoutMs: 600_000 });
  if (setup.code !== 0) throw new Error(`scripts/setup-bench.sh table failed:\n${setup.stderr}${setup.stdout}`);
  console.log(
    `ephpm table benchmark: ${cpus().length} CPUs (${cpus()[0]?.model}), Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `best of ${settings.rounds} rounds; ${settings.tableOps.toLocaleString('en')} table ops and ${settings.redisOps.toLocaleString('en')} Redis round trips per round, 1,024 keys, row {name: string:64, votes: int}\n`,
  );

  const redisPort = await freePort();
  const redis = launch(
    'redis-server',
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { logFile: join(scratch, 'redis.log') },
  );
  await waitForOutput(redis, /Ready to accept connections/, 20_000);

  const port = await freePort();
  const root = join(scratch, 'app');
  mkdirSync(root);
  const ephpm = launch(
    'ephpm',
    process.execPath,
    [
      join(repo, 'bin/run.js'),
      'serve',
      '--worker',
      join(repo, 'bench/fixtures/table-bench.php'),
      '--root',
      root,
      '--port',
      String(port),
      '--workers',
      '1',
      '--no-access-log',
      '--request-timeout',
      '600',
      '--state-file',
      join(scratch, 'state.json'),
      '--tables',
      JSON.stringify(TABLES),
    ],
    { logFile: join(scratch, 'ephpm.log') },
  );
  const results = [];
  let loop;
  try {
    await waitForOutput(ephpm, /serving http:\/\//, 30_000);
    const measure = (backend, op, n) => best(() => once(port, { backend, op, n, port: redisPort }));
    loop = await measure('loop', 'set', settings.tableOps);
    for (const op of OPS) {
      const table = await measure('table', op, settings.tableOps);
      const viaRedis = await measure('redis', op, settings.redisOps);
      results.push({ op, table, redis: viaRedis, ratio: table / viaRedis });
    }
  } finally {
    await stop(ephpm);
    await stop(redis);
  }

  const laravel = await startLaravel(laravelApp(), ['--workers=1', '--task-workers=0'], join(scratch, 'laravel.log'));
  try {
    for (const result of results) {
      for (const style of ['held', 'facade']) {
        result[style] = await best(() => onceInLaravel(laravel.url, { op: result.op, n: settings.tableOps, style }));
      }
    }
    report(loop, results);
    const resultsDir = join(repo, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `table-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, loadavg: loadavg(), settings, loopOpsPerSec: loop, results }, null, 2)}\n`,
    );
    console.log(`\nresults: ${file}`);
  } finally {
    await stop(laravel.server);
  }
}

async function once(port, query) {
  const response = await fetch(
    `http://127.0.0.1:${port}/run?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`,
  );
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${query.backend} ${query.op}: HTTP ${response.status}: ${tail(body)}`);
  const { ops, ns, check } = JSON.parse(body);
  if (query.backend !== 'loop' && check?.name !== 'Nuno Maduro')
    throw new Error(`${query.backend} ${query.op}: the row read back is wrong: ${JSON.stringify(check)}`);
  return ops / (ns / 1e9);
}

async function onceInLaravel(url, query) {
  const { ops, ns, check } = await benchRoute(
    `${url}/bench/table?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`,
  );
  if (check?.name !== 'Nuno Maduro')
    throw new Error(`Octane::table() ${query.op}: the row read back is wrong: ${JSON.stringify(check)}`);
  return ops / (ns / 1e9);
}

async function best(measure) {
  let top = 0;
  for (let round = 0; round < settings.rounds; round++) top = Math.max(top, await measure());
  return top;
}

function report(loop, results) {
  const rate = (value) => `${Math.round(value).toLocaleString('en')}/s`;
  const rows = [
    [
      'OPERATION',
      'EPHPM TABLE',
      'OCTANE::TABLE() HELD',
      "OCTANE::TABLE('users') EACH OP",
      'REDIS (phpredis, loopback)',
      'TABLE / REDIS',
    ],
    ...results.map(({ op, table, held, facade, redis, ratio }) => [
      `${op}`,
      rate(table),
      rate(held),
      rate(facade),
      `${rate(redis)}  ${REDIS_EQUIVALENT[op]}`,
      `${ratio.toFixed(1)}x`,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
  console.log(`\nthe PHP loop alone (array read, no operation): ${rate(loop)}`);
  const getOrSet = results.filter((r) => r.op === 'get' || r.op === 'set');
  const target = (label, key) => {
    const fastest = Math.max(...getOrSet.map((r) => r[key]));
    console.log(
      `target >= ${TARGET_OPS.toLocaleString('en')} get or set ops/s in one worker, ${label}: ${fastest >= TARGET_OPS ? 'met' : 'NOT met'} (${rate(fastest)})`,
    );
  };
  target('ephpm table', 'table');
  target("through Octane::table('users') on every operation", 'facade');
}
