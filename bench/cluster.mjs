// npm run bench:cluster — cluster mode on one machine: three ephpm nodes and one redis-server on loopback.
//  1. The convergence window: while the nodes take BENCH_CLUSTER_LOAD writes/s (default 1,000), node A writes a
//     probe every 20 ms and node C reports when each first shows in its local copy (p50 / p99 / max).
//  2. Write throughput from PHP (table-bench.php's loop) with [cluster] and without, and how long node C takes to
//     show the last of those writes.
//  3. Local reads (get) with [cluster] and without: bench:table's figure, which replication must leave alone.
// Env: BENCH_CLUSTER_LOAD (writes/s), BENCH_CLUSTER_PROBES (default 500), BENCH_TABLE_OPS (per loop, 200,000),
// BENCH_ROUNDS (rounds alternating between the two servers, median kept; 7).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, launch, run, runBench, stop, tail, waitForOutput } from './lib/processes.mjs';
import { positiveInt } from './lib/settings.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const WINDOW_TARGET_MS = 100;
const settings = {
  load: positiveInt('BENCH_CLUSTER_LOAD', 1000),
  probes: positiveInt('BENCH_CLUSTER_PROBES', 500),
  tableOps: positiveInt('BENCH_TABLE_OPS', 200_000),
  rounds: positiveInt('BENCH_ROUNDS', 7),
};
const PROBE_TABLES = { 'probes:4096': { t: 'int' }, 'load:2048': { hits: 'int' } };
const BENCH_TABLES = { 'bench:2048': { name: 'string:64', votes: 'int' } };

let scratch;
await runBench('bench:cluster', 'ephpm-bench-cluster-', main);

async function main(dir) {
  scratch = dir;
  const setup = await run('bash', [join(repo, 'scripts/setup-bench.sh'), 'table'], { timeoutMs: 600_000 });
  if (setup.code !== 0) throw new Error(`scripts/setup-bench.sh table failed:\n${setup.stderr}${setup.stdout}`);
  console.log(
    `ephpm cluster benchmark: ${cpus().length} CPUs (${cpus()[0]?.model}), Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `3 nodes x 1 worker and redis-server on loopback; ${settings.load.toLocaleString('en')} writes/s of background load, ${settings.probes} probes\n`,
  );

  const redisPort = await freePort();
  const redis = launch(
    'redis-server',
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', scratch],
    { logFile: join(scratch, 'redis.log') },
  );
  await waitForOutput(redis, /Ready to accept connections/, 20_000);
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const started = [redis];
  try {
    const window = await convergence(redisUrl, started);
    const throughput = await writesAndReads(redisUrl, started);
    report(window, throughput);
    const resultsDir = join(repo, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `cluster-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, loadavg: loadavg(), settings, window, throughput }, null, 2)}\n`,
    );
    console.log(`\nresults: ${file}`);
  } finally {
    for (const proc of started.reverse()) await stop(proc);
  }
}

async function node(name, worker, tables, redisUrl, started) {
  const port = await freePort();
  const root = join(scratch, name);
  mkdirSync(root, { recursive: true });
  const args = [
    join(repo, 'bin/run.js'),
    'serve',
    '--worker',
    join(repo, worker),
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
    join(root, 'state.json'),
    '--tables',
    JSON.stringify(tables),
  ];
  if (redisUrl) args.push('--cluster-redis', redisUrl, '--cluster-node', name);
  const proc = launch(name, process.execPath, args, { logFile: join(scratch, `${name}.log`) });
  started.push(proc);
  await waitForOutput(proc, /serving http:\/\//, 60_000);
  return { proc, url: `http://127.0.0.1:${port}` };
}

async function get(url) {
  const response = await fetch(url);
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}: ${tail(body)}`);
  return JSON.parse(body);
}

/** p50 / p99 / max of the probes' write-on-A to read-on-C times, under the background load. */
async function convergence(redisUrl, started) {
  const nodes = [];
  for (const name of ['a', 'b', 'c'])
    nodes.push(await node(`window-${name}`, 'bench/fixtures/cluster-bench.php', PROBE_TABLES, redisUrl, started));
  const watching = get(`${nodes[2].url}/watch?count=${settings.probes}&timeout=300`);
  let loading = true;
  let sent = 0;
  const began = Date.now();
  const load = (async () => {
    // Batches of 10 writes, alternating between A and B, paced to settings.load writes per second.
    for (let batch = 0; loading; batch++) {
      const due = began + (batch * 10 * 1000) / settings.load;
      if (due > Date.now()) await sleep(due - Date.now());
      await get(`${nodes[batch % 2].url}/load?n=10`);
      sent += 10;
    }
  })();
  await sleep(1000); // the load runs before the first probe
  for (let i = 0; i < settings.probes; i++) {
    await get(`${nodes[0].url}/probe?i=${i}`);
    await sleep(20);
  }
  const { latencies } = await watching;
  loading = false;
  await load;
  const achieved = sent / ((Date.now() - began) / 1000);
  if (latencies.length < settings.probes)
    throw new Error(`node C saw ${latencies.length} of ${settings.probes} probes`);
  // Replicated end to end, with no other load: a burst of increments on A, until C's copy shows the last one.
  const startedAt = Date.now();
  const { value } = await get(`${nodes[0].url}/burst?n=${settings.tableOps}`);
  const localMs = Date.now() - startedAt;
  while ((await get(`${nodes[2].url}/value?key=burst`)).value !== value) await sleep(5);
  const burst = { writes: settings.tableOps, localMs, visibleOnCMs: Date.now() - startedAt };
  for (const { proc } of nodes) await stop(proc);
  const sorted = latencies.map((us) => us / 1000).sort((x, y) => x - y);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted.at(-1),
    probes: sorted.length,
    loadWritesPerSec: achieved,
    burst,
  };
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

/** table-bench.php's loops (the 1,024 keys of bench:table) on a node with [cluster] and on one without. */
async function writesAndReads(redisUrl, started) {
  const plain = await node('plain', 'bench/fixtures/table-bench.php', BENCH_TABLES, null, started);
  const a = await node('rate-a', 'bench/fixtures/table-bench.php', BENCH_TABLES, redisUrl, started);
  const rate = async (server, op) => {
    // settle: the 1,024 writes before each loop are replicated (on A) before the loop is timed, on both servers.
    const { ops, ns } = await get(`${server.url}/run?backend=table&op=${op}&n=${settings.tableOps}&port=0&settle=500`);
    return ops / (ns / 1e9);
  };
  const results = {};
  // Reads first: replicating the write loops keeps the other processes busy for seconds afterwards. Rounds
  // alternate between the two servers (the machine is shared: its load drifts), and each side's median is kept.
  for (const op of ['get', 'set', 'incr']) {
    const without = [];
    const withCluster = [];
    for (let round = 0; round < settings.rounds; round++) {
      without.push(await rate(plain, op));
      withCluster.push(await rate(a, op));
    }
    results[op] = { without: median(without), with: median(withCluster) };
  }
  for (const server of [plain, a]) await stop(server.proc);
  return results;
}

function report(window, throughput) {
  const rate = (value) => `${Math.round(value).toLocaleString('en')}/s`;
  console.log(
    `convergence window, write on A -> first local read on C, ${window.probes} probes under ${Math.round(window.loadWritesPerSec).toLocaleString('en')} writes/s:`,
  );
  console.log(
    `  p50 ${window.p50Ms.toFixed(2)} ms   p99 ${window.p99Ms.toFixed(2)} ms   max ${window.maxMs.toFixed(2)} ms   (target p99 < ${WINDOW_TARGET_MS} ms: ${window.p99Ms < WINDOW_TARGET_MS ? 'met' : 'NOT met'})`,
  );
  console.log(
    `\nfrom PHP in one worker (median of ${settings.rounds} rounds)  WITHOUT [cluster]   WITH [cluster]   WITH / WITHOUT`,
  );
  for (const op of ['get', 'set', 'incr']) {
    const { without, with: withCluster } = throughput[op];
    console.log(
      `  ${op.padEnd(40)}${rate(without).padEnd(20)}${rate(withCluster).padEnd(17)}${(withCluster / without).toFixed(2)}`,
    );
  }
  const { writes, localMs, visibleOnCMs } = window.burst;
  console.log(
    `\na burst of ${writes.toLocaleString('en')} replicated writes on A: ${localMs} ms in PHP, all visible on C after ${visibleOnCMs} ms (${rate(writes / (visibleOnCMs / 1000))} end to end)`,
  );
}
