// npm run bench:tasks — what Ephpm\Octane\run_tasks() costs: 3 trivial tasks
// sent to 3 task workers and back, against running the same 3 in-process one
// after another, both measured by PHP inside one request worker in the same run;
// then the same through Octane::concurrently() with 3 trivial closures in a
// Laravel app (php artisan octane:start --server=ephpm --task-workers=3).
// Env: BENCH_TASK_ITERATIONS (default 2000).
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchRoute, laravelApp, startLaravel } from './lib/laravel.mjs';
import { freePort, killAll, launch, stop, waitForOutput } from './lib/processes.mjs';
import { positiveInt } from './lib/settings.mjs';

const TARGET_OVERHEAD_US = 1000;
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const iterations = positiveInt('BENCH_TASK_ITERATIONS', 2000);
const scratch = mkdtempSync(join(tmpdir(), 'ephpm-bench-tasks-'));
process.on('exit', killAll);

const port = await freePort();
const server = launch(
  'ephpm',
  process.execPath,
  [
    join(repo, 'bin/run.js'),
    'serve',
    '--worker',
    join(repo, 'bench/fixtures/tasks.php'),
    '--root',
    scratch,
    '--port',
    String(port),
    '--workers',
    '1',
    '--task-workers',
    '3',
    '--no-access-log',
    '--state-file',
    join(scratch, 'server.json'),
  ],
  { cwd: scratch },
);

const us = (ns) => (ns / 1000).toFixed(1);
const line = (label, summary) =>
  console.log(
    `${label.padEnd(34)} ${us(summary.median).padStart(10)} ${us(summary.p90).padStart(9)} ${us(summary.mean).padStart(9)}`,
  );
const verdict = (label, batch, inProcess) => {
  const overhead = (batch.median - inProcess.median) / 1000;
  console.log(
    `${label} overhead (median): ${overhead.toFixed(1)} µs per batch of 3 — target < ${TARGET_OVERHEAD_US} µs: ${overhead < TARGET_OVERHEAD_US ? 'PASS' : 'FAIL'}`,
  );
};

let raw;
try {
  await waitForOutput(server, /serving http:\/\//, 30_000);
  const response = await fetch(`http://127.0.0.1:${port}/?iterations=${iterations}`);
  if (!response.ok) throw new Error(`the bench worker answered ${response.status}: ${await response.text()}`);
  raw = await response.json();
} finally {
  await stop(server);
}

const laravel = await startLaravel(laravelApp(), ['--workers=1', '--task-workers=3'], join(scratch, 'laravel.log'));
let octane;
try {
  octane = await benchRoute(`${laravel.url}/bench/concurrently?iterations=${iterations}`);
} finally {
  await stop(laravel.server);
  rmSync(scratch, { recursive: true, force: true });
}

console.log(
  `dispatch overhead — 3 trivial tasks on 3 task workers vs the same 3 in-process, ${raw.iterations} batches each`,
);
console.log(
  `machine: ${cpus().length} CPUs, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log('');
console.log(`${''.padEnd(34)} ${'median µs'.padStart(10)} ${'p90 µs'.padStart(9)} ${'mean µs'.padStart(9)}`);
line('in-process, sequential (PHP)', raw.inProcess);
line('run_tasks()', raw.runTasks);
line('in-process, sequential (Laravel)', octane.inProcess);
line('Octane::concurrently()', octane.concurrently);
console.log('');
verdict('run_tasks()', raw.runTasks, raw.inProcess);
verdict('Octane::concurrently()', octane.concurrently, octane.inProcess);
