// npm run bench:compression — what response compression costs and saves on the bench Laravel app's /blade (a
// rendered Blade view, text/html), on ephpm (`php artisan octane:start --server=ephpm`, 2 workers) in one run:
// rounds that alternate between clients that accept no coding (the response as an ephpm with compression off sends
// it: the PHP thread writes it to the socket itself) and clients that send `Accept-Encoding: br, gzip` (br) or
// `gzip`, each round a fresh wrk. Prints req/s and bytes on the wire per request (wrk's totals, heads included)
// of each, and their ratios to the uncompressed rounds; the targets: req/s >= 0.85x, bytes <= 0.3x.
// Env: BENCH_DURATION (s per round, 10), BENCH_ROUNDS (3), BENCH_CONNECTIONS (64), BENCH_WARMUP (s, 3),
// BENCH_ROUTE (/blade). First, the CPU time one compression of the page takes in this process, with the server's
// own encoders (src/runtime/http/compression/encoders.ts); and each round's CPU per request of the two worker
// processes (all their threads, from /proc), which the load of other processes on the machine disturbs far less than
// req/s: on a shared machine, off's CPU per request over on's is the better estimate of the req/s ratio.
import { request } from 'node:http';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { compressSync } from '../dist/runtime/http/compression/encoders.js';
import { benchLaravelApp } from './lib/laravel-bench-app.mjs';
import { startOctaneEphpm } from './lib/laravel-servers.mjs';
import { threadCpuUs } from './lib/cpu.mjs';
import { freePort, runBench } from './lib/processes.mjs';
import { positiveInt } from './lib/settings.mjs';
import { wrk } from './lib/wrk.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const settings = {
  seconds: positiveInt('BENCH_DURATION', 10),
  rounds: positiveInt('BENCH_ROUNDS', 3),
  connections: positiveInt('BENCH_CONNECTIONS', 64),
  warmup: positiveInt('BENCH_WARMUP', 3),
  route: process.env.BENCH_ROUTE ?? '/blade',
};
const VARIANTS = [
  { name: 'off (no Accept-Encoding)', headers: [] },
  { name: 'br (Accept-Encoding: br, gzip)', headers: ['Accept-Encoding: br, gzip'] },
  { name: 'gzip (Accept-Encoding: gzip)', headers: ['Accept-Encoding: gzip'] },
];
const TARGETS = { requestsRatio: 0.85, bytesRatio: 0.3 };

await runBench('bench:compression', 'ephpm-bench-compression-', main);

async function main(scratch) {
  console.log(`bench:compression: ${cpus().length} CPUs (${cpus()[0]?.model}), Node ${process.version}`);
  const app = await benchLaravelApp(repo);
  console.log(`app: ${relative(repo, app)}; route ${settings.route}\n`);
  const server = await startOctaneEphpm({ app, dir: scratch, port: await freePort(), workers: 2 });
  try {
    await server.ready();
    const url = new URL(settings.route, server.url).href;
    for (const variant of VARIANTS) {
      variant.sample = await sample(url, variant.headers);
      console.log(
        `${variant.name}: ${variant.sample.status}, Content-Encoding ${variant.sample.coding ?? 'none'}, body ${variant.sample.wireBytes} B on the wire (${variant.sample.bodyBytes} B decoded)`,
      );
      if (variant.sample.status !== 200) throw new Error(`${url} answered ${variant.sample.status}`);
      await wrk(url, { connections: settings.connections, seconds: settings.warmup, headers: variant.headers });
    }
    cpuPerCompression(VARIANTS[0].sample.body);
    for (const variant of VARIANTS) variant.results = [];
    for (let round = 1; round <= settings.rounds; round++) {
      for (const variant of VARIANTS) {
        const pids = server.workerPids();
        const cpuBefore = workersCpuUs(pids);
        const result = await wrk(url, {
          connections: settings.connections,
          seconds: settings.seconds,
          headers: variant.headers,
        });
        result.cpuUsPerRequest = (workersCpuUs(pids) - cpuBefore) / result.requests;
        if (result.non2xx > 0) throw new Error(`${variant.name}: ${result.non2xx} answers were not 2xx`);
        variant.results.push(result);
        console.log(
          `round ${round} ${variant.name}: ${result.requestsPerSec.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(1)} ms, ${(result.bytesRead / result.requests).toFixed(0)} B/request, workers' CPU ${result.cpuUsPerRequest.toFixed(0)} µs/request`,
        );
      }
    }
  } finally {
    await server.stop();
  }
  report();
}

/** One request: what comes over the wire, and the decoded body's size. */
function sample(url, headers) {
  return new Promise((resolve, reject) => {
    const fields = Object.fromEntries(headers.map((header) => header.split(': ')));
    request(url, { headers: fields }, (res) => {
      const parts = [];
      res.on('data', (data) => parts.push(data));
      res.on('end', () => {
        const raw = Buffer.concat(parts);
        const coding = res.headers['content-encoding'];
        const body = coding === 'br' ? brotliDecompressSync(raw) : coding === 'gzip' ? gunzipSync(raw) : raw;
        resolve({ status: res.statusCode, coding, wireBytes: raw.length, bodyBytes: body.length, body });
      });
    })
      .on('error', reject)
      .end();
  });
}

/** CPU microseconds per compression of `body` (the page as PHP made it), br and gzip at the server's levels. */
function cpuPerCompression(body) {
  for (const coding of ['br', 'gzip']) {
    const iterations = 2000;
    for (let i = 0; i < 200; i++) compressSync(coding, body);
    const start = process.cpuUsage();
    let bytes = 0;
    for (let i = 0; i < iterations; i++) bytes = compressSync(coding, body).length;
    const used = process.cpuUsage(start);
    const us = (used.user + used.system) / iterations;
    console.log(`${coding}: ${us.toFixed(0)} µs of CPU per compression of the ${body.length} B page (to ${bytes} B)`);
  }
}

function workersCpuUs(pids) {
  const { main, others } = threadCpuUs(pids);
  return main + others;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function report() {
  const [off, ...compressed] = VARIANTS;
  const summary = (variant) => ({
    requestsPerSec: median(variant.results.map((r) => r.requestsPerSec)),
    bytesPerRequest: median(variant.results.map((r) => r.bytesRead / r.requests)),
    p99Ms: median(variant.results.map((r) => r.p99Ms)),
    cpuUs: median(variant.results.map((r) => r.cpuUsPerRequest)),
  });
  const base = summary(off);
  console.log(
    `\n${settings.route}, medians of ${settings.rounds} rounds of ${settings.seconds}s, ${settings.connections} connections:`,
  );
  console.log(
    `  ${off.name}: ${base.requestsPerSec.toFixed(0)} req/s, p99 ${base.p99Ms.toFixed(1)} ms, ${base.bytesPerRequest.toFixed(0)} B/request, workers' CPU ${base.cpuUs.toFixed(0)} µs/request`,
  );
  let met = true;
  for (const variant of compressed) {
    const s = summary(variant);
    const requestsRatio = s.requestsPerSec / base.requestsPerSec;
    const bytesRatio = s.bytesPerRequest / base.bytesPerRequest;
    const cpuRatio = base.cpuUs / s.cpuUs;
    const ok = requestsRatio >= TARGETS.requestsRatio && bytesRatio <= TARGETS.bytesRatio;
    met &&= ok;
    console.log(
      `  ${variant.name}: ${s.requestsPerSec.toFixed(0)} req/s (${requestsRatio.toFixed(3)}x), p99 ${s.p99Ms.toFixed(1)} ms, ${s.bytesPerRequest.toFixed(0)} B/request (${bytesRatio.toFixed(3)}x), workers' CPU ${s.cpuUs.toFixed(0)} µs/request (off's / this: ${cpuRatio.toFixed(3)}x) ${ok ? 'ok' : 'MISSES'} the targets (req/s >= ${TARGETS.requestsRatio}x, bytes <= ${TARGETS.bytesRatio}x)`,
    );
  }
  if (!met) process.exitCode = 1;
}
