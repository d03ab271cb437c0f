// Runs in its own process (embedded PHP starts once per process): measures
// addon.dispatch -> PHP worker loop -> Response event round trips and prints
// one JSON line with the median of a few rounds.
// Usage: node bridge-child.mjs <addon.node> <worker.php> <iterations> <warmup> <pipelineDepth>
import { createRequire } from 'node:module';

const [addonPath, script, iterationsArg, warmupArg, depthArg] = process.argv.slice(2);
const iterations = Number(iterationsArg);
const warmup = Number(warmupArg);
const depth = Number(depthArg);
const ROUNDS = 3;
const EXPECTED_BODY = 'Hello, World!';

const Event = { Response: 1, Chunk: 2, Abort: 3, Ready: 4, ScriptError: 5, Log: 6, Stopped: 7 };

const addon = createRequire(import.meta.url)(addonPath);

let onResponse = () => {};
let onReady;
let onStopped;
const ready = new Promise((resolve, reject) => {
  onReady = resolve;
  setTimeout(() => reject(new Error('PHP did not take its first request within 30s')), 30_000).unref();
});
const stopped = new Promise((resolve) => (onStopped = resolve));
const problems = { badResponses: 0, logs: [] };

addon.start({ script, ini: '', stackSize: 64 * 1024 * 1024 }, (kind, id, status, last, headers, data) => {
  switch (kind) {
    case Event.Response:
      // Complete responses are not counted against streaming back-pressure: no drained() call.
      if (!last || status !== 200 || data.toString() !== EXPECTED_BODY) problems.badResponses++;
      onResponse(id);
      return;
    case Event.Chunk:
      if (data.length > 0) addon.drained(data.length);
      problems.badResponses++;
      return;
    case Event.Ready:
      onReady();
      return;
    case Event.ScriptError:
      fail(`worker script failed: ${data.toString()}`);
      return;
    case Event.Log:
      if (problems.logs.length < 20) problems.logs.push(data.toString());
      return;
    case Event.Stopped:
      onStopped();
      return;
  }
});

let nextId = 1;
function dispatch() {
  addon.dispatch(
    nextId++,
    'GET\n/\nHTTP/1.1\nhttp\n127.0.0.1\n127.0.0.1\nHost\nlocalhost',
    1234,
    80,
    null,
    null,
    0,
    Date.now() / 1000,
    -1,
    0,
  );
  addon.wake();
}

/** Keeps `inFlight` requests outstanding until `count` answered; returns per-request latencies (ns) when asked. */
function measure(count, inFlight, recordLatencies = false) {
  return new Promise((resolve) => {
    const latencies = recordLatencies ? new Float64Array(count) : null;
    const sentAt = recordLatencies ? new Map() : null;
    let sent = 0;
    let answered = 0;
    const send = () => {
      if (sentAt) sentAt.set(nextId, process.hrtime.bigint());
      sent++;
      dispatch();
    };
    const started = process.hrtime.bigint();
    onResponse = (id) => {
      if (latencies) {
        latencies[answered] = Number(process.hrtime.bigint() - sentAt.get(id));
        sentAt.delete(id);
      }
      answered++;
      if (sent < count) send();
      else if (answered === count) resolve({ elapsedNs: Number(process.hrtime.bigint() - started), latencies });
    };
    for (let i = 0; i < Math.min(inFlight, count); i++) send();
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

setTimeout(() => fail('bridge benchmark did not finish within 300s'), 300_000).unref();

await ready;
await measure(warmup, 1);
await measure(warmup, depth);

const rounds = [];
for (let round = 0; round < ROUNDS; round++) {
  const sequential = await measure(iterations, 1, true);
  const pipelined = await measure(iterations, depth);
  const sorted = sequential.latencies.sort();
  rounds.push({
    sequentialUs: sequential.elapsedNs / iterations / 1000,
    p50Us: percentile(sorted, 50) / 1000,
    p99Us: percentile(sorted, 99) / 1000,
    pipelinedUs: pipelined.elapsedNs / iterations / 1000,
  });
}

addon.stop();
await stopped;

const medianRound = (key) => [...rounds].sort((a, b) => a[key] - b[key])[Math.floor(rounds.length / 2)];
const sequential = medianRound('sequentialUs');
const pipelined = medianRound('pipelinedUs');
process.stdout.write(
  `${JSON.stringify({
    php: addon.buildInfo().phpVersion,
    iterations,
    warmup,
    rounds,
    sequential: {
      inFlight: 1,
      usPerRoundTrip: sequential.sequentialUs,
      p50Us: sequential.p50Us,
      p99Us: sequential.p99Us,
    },
    pipelined: { inFlight: depth, usPerRoundTrip: pipelined.pipelinedUs },
    badResponses: problems.badResponses,
    phpLogs: problems.logs,
  })}\n`,
);
