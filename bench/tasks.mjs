// npm run bench:tasks — what Ephpm\Octane\run_tasks() costs: 3 trivial tasks
// sent to 3 task workers and back, against running the same 3 in-process one
// after another, both measured by PHP inside one request worker in the same run.
// Env: BENCH_TASK_ITERATIONS (default 2000).
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, killAll, launch, stop, waitForOutput } from './lib/processes.mjs';
import { positiveInt } from './lib/settings.mjs';

const TARGET_OVERHEAD_US = 1000;
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const iterations = positiveInt('BENCH_TASK_ITERATIONS', 2000);
const scratch = mkdtempSync(join(tmpdir(), 'ephpm-bench-tasks-'));
process.on('exit', killAll);

const port = await freePort();
const server = launch('ephpm', process.execPath, [
  join(repo, 'bin/run.js'), 'serve',
  '--worker', join(repo, 'bench/fixtures/tasks.php'),
  '--root', scratch,
  '--port', String(port),
  '--workers', '1',
  '--task-workers', '3',
  '--no-access-log',
  '--state-file', join(scratch, 'server.json'),
], { cwd: scratch });

try {
  await waitForOutput(server, /serving http:\/\//, 30_000);
  const response = await fetch(`http://127.0.0.1:${port}/?iterations=${iterations}`);
  if (!response.ok) throw new Error(`the bench worker answered ${response.status}: ${await response.text()}`);
  const result = await response.json();
  const us = (ns) => (ns / 1000).toFixed(1);
  const overhead = (result.runTasks.median - result.inProcess.median) / 1000;
  console.log(`run_tasks() dispatch overhead — 3 trivial tasks, 3 task workers, ${result.iterations} batches`);
  console.log(`machine: ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('');
  console.log(`                          median µs    p90 µs   mean µs`);
  console.log(`in-process, sequential  ${us(result.inProcess.median).padStart(10)} ${us(result.inProcess.p90).padStart(9)} ${us(result.inProcess.mean).padStart(9)}`);
  console.log(`run_tasks()             ${us(result.runTasks.median).padStart(10)} ${us(result.runTasks.p90).padStart(9)} ${us(result.runTasks.mean).padStart(9)}`);
  console.log('');
  console.log(`overhead (median): ${overhead.toFixed(1)} µs per batch of 3 — target < ${TARGET_OVERHEAD_US} µs: ${overhead < TARGET_OVERHEAD_US ? 'PASS' : 'FAIL'}`);
} finally {
  await stop(server);
  rmSync(scratch, { recursive: true, force: true });
}
