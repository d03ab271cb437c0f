// npm run bench:soak — a minute of mixed load against `ephpm serve` with 2 workers: normal requests
// next to clients that read slowly or not at all, bodies that stall, streams and uploads, with
// max_requests recycling the workers meanwhile. Prints requests served, errors by kind, each worker's
// RSS at the start and the end, and the workers replaced; the numbers go to bench/results/ too.
// Env: BENCH_SOAK_SECONDS (60), BENCH_SOAK_MAX_REQUESTS (2000; 0: no recycling, to see RSS on its own),
// BENCH_SOAK_MODE (mixed; faults: the fault mix of bench/soak-faults.mjs instead, crashes and stuck requests included).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, killAll, launch, stop, waitForOutput } from './lib/processes.mjs';
import { positiveInt } from './lib/settings.mjs';

const mode = process.env.BENCH_SOAK_MODE || 'mixed';
if (!['mixed', 'faults'].includes(mode))
  throw new Error(`BENCH_SOAK_MODE must be mixed or faults, got ${JSON.stringify(mode)}`);
if (mode === 'faults') {
  await import('./soak-faults.mjs');
  process.exit();
}

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const seconds = positiveInt('BENCH_SOAK_SECONDS', 60);
const scratch = mkdtempSync(join(tmpdir(), 'ephpm-bench-soak-'));
const stateFile = join(scratch, 'server.json');
process.on('exit', killAll);

// Short client timeouts, so that the misbehaving clients are dealt with many times within the minute.
const maxRequests = process.env.BENCH_SOAK_MAX_REQUESTS === '0' ? 0 : positiveInt('BENCH_SOAK_MAX_REQUESTS', 2000);
const SETTINGS = [
  '--workers',
  '2',
  '--send-timeout',
  '5',
  '--body-timeout',
  '5',
  '--max-requests',
  String(maxRequests),
];
const LOAD = { normal: 8, slowReader: 4, stalledBody: 2, stream: 2, upload: 2 };
const BIG_MB = 20;
const STREAM_CHUNKS = 32; // 256 KB each
const UPLOAD_BYTES = 2 * 1024 * 1024;

const port = await freePort();
const server = launch(
  'ephpm',
  process.execPath,
  [
    join(repo, 'bin/run.js'),
    'serve',
    '--worker',
    join(repo, 'bench/fixtures/soak.php'),
    '--root',
    scratch,
    '--port',
    String(port),
    '--no-access-log',
    '--state-file',
    stateFile,
    ...SETTINGS,
  ],
  { cwd: scratch, logFile: join(scratch, 'server.log') },
);
const base = `http://127.0.0.1:${port}`;

/** Outcomes by load kind: ok, and errors by what they were. */
const tally = {};
function count(kind, outcome) {
  tally[kind] ??= { ok: 0, errors: {} };
  if (outcome === 'ok') tally[kind].ok++;
  else tally[kind].errors[outcome] = (tally[kind].errors[outcome] ?? 0) + 1;
}
const describe = (error) => `network: ${error.cause?.code ?? error.code ?? error.message}`;

function status() {
  const result = spawnSync(
    process.execPath,
    [join(repo, 'bin/run.js'), 'status', '--json', '--state-file', stateFile],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`ephpm status failed: ${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout);
}

async function normal() {
  const response = await fetch(`${base}/hello`);
  const body = await response.text();
  return response.status === 200 && body === 'Hello, World!' ? 'ok' : `status ${response.status}`;
}

async function stream() {
  const response = await fetch(`${base}/stream?chunks=${STREAM_CHUNKS}`);
  const length = (await response.arrayBuffer()).byteLength;
  return response.status !== 200
    ? `status ${response.status}`
    : length === STREAM_CHUNKS * 256 * 1024
      ? 'ok'
      : 'short stream';
}

async function upload() {
  const form = new FormData();
  form.append('f', new Blob([Buffer.alloc(UPLOAD_BYTES, 'u')]), 'f.bin');
  const response = await fetch(`${base}/upload`, { method: 'POST', body: form });
  if (response.status !== 200) return `status ${response.status}`;
  return (await response.json()).files.f === UPLOAD_BYTES ? 'ok' : 'upload size differs';
}

/** A raw connection: writes `request`, runs `behave(socket)`, resolves with what came back once it closes. */
function rawExchange(request, behave) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(request);
      behave(socket);
    });
    let head = '';
    let bytes = 0;
    socket.on('data', (chunk) => {
      if (head.length < 200) head += chunk.toString('latin1', 0, Math.min(chunk.length, 200));
      bytes += chunk.length;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ statusLine: head.split('\r\n')[0], bytes }));
  });
}

/** Reads 256 KB of a large download, then nothing for longer than send_timeout, then drains what is left. */
async function slowReader() {
  let paused;
  const { statusLine, bytes } = await rawExchange(
    `GET /big?mb=${BIG_MB} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n`,
    (socket) => {
      socket.on('data', () => {
        if (socket.bytesRead > 256 * 1024 && !paused) {
          socket.pause();
          paused = sleep(7000).then(() => socket.resume());
        }
      });
    },
  );
  if (!statusLine.startsWith('HTTP/1.1 200')) return `status line ${statusLine}`;
  return bytes < BIG_MB * 1024 * 1024 ? 'ok' : 'not dropped'; // dropped by send_timeout, as it should be
}

/** Announces a 100 KB body, sends 100 bytes, then nothing: body_timeout must answer 408 and close. */
async function stalledBody() {
  const { statusLine } = await rawExchange(
    `POST /upload HTTP/1.1\r\nHost: soak\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n${'b'.repeat(100)}`,
    () => undefined,
  );
  return statusLine === 'HTTP/1.1 408 Request Timeout' ? 'ok' : `answered ${statusLine || 'nothing'}`;
}

const kinds = { normal, slowReader, stalledBody, stream, upload };

try {
  await waitForOutput(server, /serving http:\/\//, 30_000);
  await fetch(`${base}/hello`).then((r) => r.text());
  const before = status();
  const deadline = Date.now() + seconds * 1000;
  const samples = []; // every 10 s: each worker's RSS
  const sampler = setInterval(
    () => samples.push(status().workers.map((w) => ({ index: w.index, pid: w.pid, rssBytes: w.rssBytes }))),
    10_000,
  );
  const loops = Object.entries(LOAD).flatMap(([kind, concurrency]) =>
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        count(kind, await kinds[kind]().catch(describe));
      }
    }),
  );
  await Promise.all(loops);
  clearInterval(sampler);
  // Let the last slow clients be dropped and the workers settle before the last sample.
  for (let i = 0; i < 20 && status().workers.some((w) => w.inFlight > 0); i++) await sleep(500);
  const after = status();

  const mb = (bytes) => (bytes / 1048576).toFixed(1);
  const replaced =
    after.workers.reduce((sum, w) => sum + w.restarts, 0) - before.workers.reduce((sum, w) => sum + w.restarts, 0);
  console.log(`soak — ${seconds} s against 2 workers (${SETTINGS.join(' ')})`);
  console.log(
    `machine: ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log('');
  console.log('load            clients  ok        errors');
  for (const [kind, concurrency] of Object.entries(LOAD)) {
    const { ok = 0, errors = {} } = tally[kind] ?? {};
    const text =
      Object.entries(errors)
        .map(([what, n]) => `${n} ${what}`)
        .join(', ') || '0';
    console.log(`${kind.padEnd(16)}${String(concurrency).padEnd(9)}${String(ok).padEnd(10)}${text}`);
  }
  console.log('');
  console.log(`requests served by the server: ${after.totalRequests - before.totalRequests}`);
  console.log('worker  start: pid  RSS MB   end: pid  RSS MB   restarts  last restart');
  for (const worker of after.workers) {
    const first = before.workers.find((w) => w.index === worker.index);
    console.log(
      `#${worker.index}      ${String(first?.pid).padEnd(10)}${mb(first?.rssBytes ?? 0).padEnd(9)}${String(worker.pid).padEnd(10)}${mb(worker.rssBytes).padEnd(9)}${String(worker.restarts).padEnd(10)}${worker.lastRestart ?? '-'}`,
    );
  }
  console.log(`workers replaced: ${replaced}`);
  console.log(
    `RSS MB every 10 s: ${samples.map((sample) => sample.map((w) => `#${w.index} ${mb(w.rssBytes)}`).join(' ')).join(' | ')}`,
  );
  const results = join(repo, 'bench', 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(
    join(results, `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    JSON.stringify({ seconds, settings: SETTINGS, load: LOAD, tally, before, after, replaced, samples }, null, 2),
  );
  const failedNormal = Object.values(tally.normal?.errors ?? {}).reduce((a, b) => a + b, 0);
  if (failedNormal > 0) process.exitCode = 1;
} finally {
  await stop(server);
  rmSync(scratch, { recursive: true, force: true });
}
