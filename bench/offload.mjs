// npm run bench:offload — what downloads cost the rest of an app: the bench Laravel app (bench/lib/laravel-bench-app.mjs)
// on ephpm with 2 workers, wrk on /api/health alone, then while 20 clients each download a 200 MB file
// (response()->download()) reading 2 MB/s, with file_offload on (Node sends the file) and off (PHP streams it).
// Env: BENCH_DURATION (s per phase, 12), BENCH_CONNECTIONS (wrk's, 50), BENCH_DOWNLOADS (20), BENCH_RATE_MB (2).
import { openSync, closeSync, existsSync, statSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchLaravelApp } from './lib/laravel-bench-app.mjs';
import { startOctaneEphpm } from './lib/laravel-servers.mjs';
import { freePort, runBench } from './lib/processes.mjs';
import { positiveInt } from './lib/settings.mjs';
import { wrk } from './lib/wrk.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const MB = 1024 * 1024;
const FILE_BYTES = 200 * MB;
const settings = {
  seconds: positiveInt('BENCH_DURATION', 12),
  connections: positiveInt('BENCH_CONNECTIONS', 50),
  downloads: positiveInt('BENCH_DOWNLOADS', 20),
  rateBytes: positiveInt('BENCH_RATE_MB', 2) * MB,
  workers: 2,
};

/** storage/app/bench-download.bin: 200 MB of numbered 1 MB blocks (written once). */
function downloadFile(app) {
  const path = join(app, 'storage', 'app', 'bench-download.bin');
  if (existsSync(path) && statSync(path).size === FILE_BYTES) return;
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(MB);
  for (let n = 0; n < FILE_BYTES / MB; n++) writeSync(fd, block.fill(`block ${n} of the offload bench. `));
  closeSync(fd);
}

/** GET `url` read at `bytesPerSecond` at most: paused whenever it is ahead, so the server's writes back up. */
function slowDownload(url, bytesPerSecond) {
  const state = { bytes: 0, status: 0, failed: null, stopped: false };
  const started = performance.now();
  const req = request(url, { agent: false }, (res) => {
    state.status = res.statusCode;
    res.on('data', (chunk) => {
      state.bytes += chunk.length;
      const aheadMs = (state.bytes / bytesPerSecond) * 1000 - (performance.now() - started);
      if (aheadMs > 0) {
        res.pause();
        setTimeout(() => res.resume(), aheadMs);
      }
    });
    res.on('error', () => {});
  });
  req.on('error', (error) => {
    if (!state.stopped) state.failed = error.message;
  });
  req.end();
  return {
    state,
    stop() {
      state.stopped = true;
      req.destroy();
    },
  };
}

async function phase(server, withDownloads) {
  const health = `${server.url}api/health`;
  if (!withDownloads)
    return { wrk: await wrk(health, { connections: settings.connections, seconds: settings.seconds }) };
  const clients = Array.from({ length: settings.downloads }, () =>
    slowDownload(`${server.url}api/download`, settings.rateBytes),
  );
  await sleep(2000); // every download started and PHP past its part of them
  const before = clients.reduce((sum, client) => sum + client.state.bytes, 0);
  const started = performance.now();
  const result = await wrk(health, { connections: settings.connections, seconds: settings.seconds });
  const seconds = (performance.now() - started) / 1000;
  const read = clients.reduce((sum, client) => sum + client.state.bytes, 0) - before;
  for (const client of clients) client.stop();
  const failed = clients.filter(
    (client) => client.state.failed || (client.state.status && client.state.status !== 200),
  );
  const waiting = clients.filter((client) => !client.state.failed && client.state.status === 0);
  return { wrk: result, downloadMBps: read / MB / seconds, failed: failed.length, waiting: waiting.length };
}

async function serverRun(app, scratch, offload) {
  const port = await freePort();
  const server = await startOctaneEphpm({
    app,
    dir: scratch,
    port,
    workers: settings.workers,
    env: { EPHPM_FILE_OFFLOAD: String(offload) },
  });
  try {
    await server.ready();
    await wrk(`${server.url}api/health`, { connections: settings.connections, seconds: 3 }); // warm-up
    const alone = await phase(server, false);
    const loaded = await phase(server, true);
    return { alone, loaded };
  } finally {
    await server.stop();
  }
}

await runBench('bench:offload', 'ephpm-bench-offload-', async (scratch) => {
  const app = await benchLaravelApp(repo);
  downloadFile(app);
  console.log(
    `bench:offload: ${settings.workers} workers, wrk -t2 -c${settings.connections} -d${settings.seconds}s /api/health; ` +
      `${settings.downloads} clients each reading a 200 MB download at ${settings.rateBytes / MB} MB/s\n`,
  );
  const rows = [];
  for (const offload of [true, false]) {
    const { alone, loaded } = await serverRun(app, scratch, offload);
    const ratio = loaded.wrk.requestsPerSec / alone.wrk.requestsPerSec;
    rows.push({ offload, alone, loaded, ratio });
    console.log(
      `file_offload ${offload ? 'on ' : 'off'}: /api/health ${alone.wrk.requestsPerSec.toFixed(0)} req/s alone, ` +
        `${loaded.wrk.requestsPerSec.toFixed(0)} req/s with downloads (${ratio.toFixed(2)}x; p99 ` +
        `${alone.wrk.p99Ms.toFixed(1)} → ${loaded.wrk.p99Ms.toFixed(1)} ms); downloads ${loaded.downloadMBps.toFixed(1)} MB/s ` +
        `in all, ${loaded.waiting} not answered yet, ${loaded.failed} failed; /api/health non-2xx ${loaded.wrk.non2xx}`,
    );
  }
  const [on, off] = rows;
  console.log(
    `\nwith downloads, /api/health keeps ${on.ratio.toFixed(2)}x of its rate with file_offload on, ` +
      `${off.ratio.toFixed(2)}x with it off (target: >= 0.9x on)`,
  );
});
