// BENCH_SOAK_MODE=faults npm run bench:soak — the fault mix, against `ephpm serve` with 2 workers: normal keep-alive
// traffic on a small page next to slow readers (a few KB/s) and non-readers of a 20 MB download and of an 8 MB
// stream, a route whose worker kills itself, a route stuck past request_timeout, a SIGKILL of one worker every
// 10 s, and a client that pipelines downloads and never reads. Prints the normal requests that failed by cause
// (only those lost with a dying worker or queued behind a stuck request are expected), the faulty requests
// themselves, whether a worker stayed busy on a client that does not read, and RSS at the start and the end;
// PASS / FAIL for each target. Env: BENCH_SOAK_SECONDS (120), BENCH_SOAK_MAX_REQUESTS (0 here: no recycling).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, killAll, launch, run, stop, waitForOutput } from './lib/processes.mjs';
import { RawConnection, slowClient } from './lib/raw-http.mjs';
import { rssMb } from './lib/rss.mjs';
import { positiveInt } from './lib/settings.mjs';
import { classifyFailures, classifyWaits, slowClientOutcome } from './lib/soak-faults-causes.mjs';
import { printReport } from './lib/soak-faults-report.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const seconds = positiveInt('BENCH_SOAK_SECONDS', 120);
const maxRequests = process.env.BENCH_SOAK_MAX_REQUESTS === '0' ? 0 : positiveInt('BENCH_SOAK_MAX_REQUESTS', 0);
const scratch = mkdtempSync(join(tmpdir(), 'ephpm-bench-soak-faults-'));
const stateFile = join(scratch, 'server.json');
process.on('exit', killAll);

const SETTINGS = [
  '--workers',
  '2',
  '--send-timeout',
  '5',
  '--body-timeout',
  '5',
  '--request-timeout',
  '3',
  '--max-requests',
  String(maxRequests),
];
const NORMAL_CLIENTS = 8;
const HOLD_MS = 8_000; // how long a slow or non-reading client keeps its connection: send_timeout (5 s) and a check
const SLOW_RATE = 4096; // bytes a second
const MB = 1024 * 1024;
const get = (path, close = true) => `GET ${path} HTTP/1.1\r\nHost: soak\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
/** The clients that read slowly or not at all, one of each: what they ask for, how fast they read, what a whole answer is. */
const SLOW_CLIENTS = {
  'slow reader, 20 MB download': { request: get('/big?mb=20'), rate: SLOW_RATE, whole: 20 * MB },
  'non-reader, 20 MB download': { request: get('/big?mb=20'), rate: 0, whole: 20 * MB },
  'slow reader, 8 MB stream': { request: get('/stream?chunks=32'), rate: SLOW_RATE, whole: 8 * MB },
  'non-reader, 8 MB stream': { request: get('/stream?chunks=32'), rate: 0, whole: 8 * MB },
  'pipelines 50 × 1 MB, never reads': { request: get('/big?mb=1', false).repeat(50), rate: 0, whole: 50 * MB },
};
const KILL_EVERY_MS = 10_000;
const CRASH_EVERY_MS = 15_000;
const STUCK_EVERY_MS = 20_000;
const STUCK_SLEEP_MS = 10_000; // past request_timeout (3 s)

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

/** What happened, for the report. Times are Date.now(). */
const normal = { answered: [], failed: [] }; // answered: [pid, started, ms, fresh]; failed: { pid, started, ended, fresh, error }
const deaths = []; // { pid, from, to, cause }: when a worker died (a range for one leaving after a stuck request)
const slow = Object.fromEntries(Object.keys(SLOW_CLIENTS).map((kind) => [kind, []])); // slowClient()'s results
const busy = []; // { pid, from, to, kind }: a worker serving a slow or non-reading client
const crashes = []; // the crash route's requests: { pid, outcome }
const stucks = []; // the stuck route's requests: { pid, outcome, sentAt, ms }
const kills = []; // the bench's SIGKILLs: { pid } or { none: true }

let deadline = 0;
const running = () => Date.now() < deadline;

async function status() {
  const result = await run(
    process.execPath,
    [join(repo, 'bin/run.js'), 'status', '--json', '--state-file', stateFile],
    { timeoutMs: 15_000 },
  );
  if (result.code !== 0) throw new Error(`ephpm status failed: ${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout);
}

async function normalClient() {
  let connection = null;
  while (running()) {
    const started = Date.now();
    const clock = performance.now();
    const fresh = !connection;
    let pid = null;
    try {
      connection ??= await RawConnection.open(port);
      pid = connection.pid;
      const response = await connection.get('/hello', 60_000);
      if (response.status === 200 && response.body === 'Hello, World!')
        normal.answered.push([connection.pid, started, performance.now() - clock, fresh]);
      else
        normal.failed.push({
          pid: connection.pid,
          started,
          ended: Date.now(),
          fresh,
          error: `${response.status} ${response.body.trim()}`,
        });
      if (response.closes) {
        connection.close();
        connection = null;
      }
    } catch (error) {
      normal.failed.push({
        pid,
        started,
        ended: Date.now(),
        fresh,
        error: error.code ? `connect: ${error.code}` : error.message,
      });
      if (!connection) await sleep(100); // could not connect: not in a tight loop
      connection?.close();
      connection = null;
    }
  }
  connection?.close();
}

async function slowClientLoop(kind) {
  const { request, rate } = SLOW_CLIENTS[kind];
  while (running()) {
    const result = await slowClient(port, request, rate, HOLD_MS);
    if (result.pid) busy.push({ pid: result.pid, from: result.headAt, to: result.endedAt, kind });
    slow[kind].push(result);
  }
}

/** Asks a worker for /hello (to learn which one it is), then for `path` on the same connection; pid null: no worker answered. */
async function onKnownWorker(path, timeoutMs) {
  const connection = await RawConnection.open(port).catch(() => null);
  if (!connection) return { pid: null, outcome: 'could not connect' };
  try {
    await connection.get('/hello', 30_000).catch(() => undefined);
    const pid = connection.pid;
    if (pid === null) return { pid, outcome: 'no worker answered its /hello (one died meanwhile)' };
    const sentAt = Date.now();
    try {
      const response = await connection.get(path, timeoutMs);
      return { pid, sentAt, answeredAt: Date.now(), outcome: `answered ${response.status}` };
    } catch (error) {
      return { pid, sentAt, answeredAt: Date.now(), outcome: error.message };
    }
  } finally {
    connection.close();
  }
}

async function crashLoop() {
  await sleep(5_000);
  while (running()) {
    const { pid, sentAt, outcome } = await onKnownWorker('/crash', 30_000);
    crashes.push({ pid, outcome });
    if (pid !== null) deaths.push({ pid, from: sentAt, to: sentAt, cause: 'the crash route' });
    await sleep(CRASH_EVERY_MS);
  }
}

async function stuckLoop() {
  await sleep(8_000);
  while (running()) {
    const { pid, sentAt, answeredAt, outcome } = await onKnownWorker(`/stuck?ms=${STUCK_SLEEP_MS}`, 60_000);
    if (pid !== null) {
      stucks.push({ pid, outcome, sentAt, ms: answeredAt - sentAt });
      // It answers 504, answers what waits with 503, closes its connections (idle ones at once) and kills itself.
      const death = { pid, from: sentAt, to: Infinity, cause: 'the stuck route' };
      deaths.push(death);
      void whenGone(pid).then((at) => (death.to = at));
    } else {
      stucks.push({ pid, outcome, sentAt: 0, ms: 0 });
    }
    await sleep(STUCK_EVERY_MS);
  }
}

/** When the process is gone (polled every 100 ms, for at most a minute). */
async function whenGone(pid) {
  for (let i = 0; i < 600; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await sleep(100);
  }
  return Date.now();
}

async function killLoop() {
  for (let turn = 0; ; turn++) {
    await sleep(KILL_EVERY_MS);
    if (!running()) return;
    const serving = JSON.parse(readFileSync(stateFile, 'utf8')).workers; // written atomically: serving workers only
    if (serving.length === 0) {
      kills.push({ none: true });
      continue;
    }
    const { pid } = serving[turn % serving.length];
    try {
      process.kill(pid, 'SIGKILL');
      kills.push({ pid });
      deaths.push({ pid, from: Date.now(), to: Date.now(), cause: "the bench's SIGKILL" });
    } catch {
      kills.push({ none: true });
    }
  }
}

/** Before the mix, each worker answers each kind of response once: the RSS at the start includes what they need. */
async function warmUp() {
  const connections = await Promise.all([RawConnection.open(port), RawConnection.open(port)]);
  await Promise.all(
    connections.map(async (connection) => {
      for (const path of ['/hello', '/big?mb=20', '/stream?chunks=32', '/big?mb=1']) await connection.get(path, 30_000);
      connection.close();
    }),
  );
}

const mb = (bytes) => (bytes / MB).toFixed(1);

try {
  await waitForOutput(server, /serving http:\/\//, 30_000);
  await warmUp();
  const before = await status();
  const supervisorBefore = rssMb(before.pid);
  deadline = Date.now() + seconds * 1000;
  const samples = [];
  const sampler = setInterval(
    () =>
      void status()
        .then((s) =>
          samples.push(
            s.workers.map((w) => `#${w.index} ${w.state === 'serving' ? mb(w.rssBytes) : w.state}`).join(' '),
          ),
        )
        .catch(() => samples.push('status failed')),
    10_000,
  );
  await Promise.all([
    ...Array.from({ length: NORMAL_CLIENTS }, normalClient),
    ...Object.keys(SLOW_CLIENTS).map(slowClientLoop),
    crashLoop(),
    stuckLoop(),
    killLoop(),
  ]);
  clearInterval(sampler);
  // The workers settle (replacements booted, nothing in flight) before the last sample.
  let after = await status();
  for (let i = 0; i < 60 && after.workers.some((w) => w.state !== 'serving' || w.inFlight > 0); i++) {
    await sleep(500);
    after = await status();
  }
  const supervisorAfter = rssMb(after.pid);

  const failures = classifyFailures(normal.failed, deaths, busy);
  const waits = classifyWaits(normal, deaths, busy, stucks, Object.keys(SLOW_CLIENTS));
  const dropsLogged = (server.output.match(/\(send_timeout\)/g) ?? []).length;
  const slowOutcomes = Object.fromEntries(
    Object.entries(slow).map(([kind, results]) => [
      kind,
      results.map((result) => slowClientOutcome(result, SLOW_CLIENTS[kind].whole, deaths)),
    ]),
  );
  const { failedAgainstTarget, busyOnSlowClient, rssFlat } = printReport({
    repo,
    seconds,
    settings: SETTINGS,
    normalClients: NORMAL_CLIENTS,
    normal,
    failures,
    waits,
    crashes,
    stucks,
    kills,
    slowOutcomes,
    dropsLogged,
    before,
    after,
    supervisorRssMb: [supervisorBefore, supervisorAfter],
    samples,
    killEveryMs: KILL_EVERY_MS,
    stuckSleepMs: STUCK_SLEEP_MS,
  });

  const results = join(repo, 'bench', 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(
    join(results, `soak-faults-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    JSON.stringify(
      {
        seconds,
        settings: SETTINGS,
        slowClients: SLOW_CLIENTS,
        failures,
        waits,
        crashes,
        stucks,
        kills,
        slowOutcomes,
        dropsLogged,
        deaths,
        before,
        after,
        supervisorRssMb: [supervisorBefore, supervisorAfter],
        samples,
      },
      null,
      2,
    ),
  );
  if (failedAgainstTarget > 0 || busyOnSlowClient > 0 || !rssFlat) process.exitCode = 1;
} finally {
  await stop(server);
  rmSync(scratch, { recursive: true, force: true });
}
