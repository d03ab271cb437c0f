// Entry point of a task worker or the tick worker (forked by TaskPool): the
// same embedded PHP and worker script as a request worker, but no HTTP; the
// script sees its role in Ephpm\Octane\worker_role().
import { Logger } from '../logger.js';
import { Histogram } from '../metrics/histogram.js';
import { nativePhp } from '../native/php-face.js';
import { nativeTasks, type TaskFunctions } from '../native/tasks-face.js';
import { EmbeddedPhp } from '../php/embedded-php.js';
import {
  bootFailure,
  exitNow,
  exitWithBootFailure,
  followSupervisor,
  tellSupervisor,
  workerConfig,
} from '../ipc/child-side.js';
import type { TaskWorkerMessage } from '../ipc/process-messages.js';
import { TASK_SOCKET_ENV } from '../ipc/worker-env.js';
import { attachTables } from '../tables/tables.js';
import { attachOutbox } from '../cluster/outbox.js';
import { TaskServer } from './task-server.js';
import { TickTimer } from './tick-timer.js';
import { IdleMemory } from '../http/idle-memory.js';

const config = workerConfig();
const role = process.env.EPHPM_WORKER_ROLE === 'tick' ? 'tick' : 'task';
const logger = new Logger(config.logFormat);
const tell = (message: TaskWorkerMessage) => tellSupervisor(message);

let php: EmbeddedPhp | null = null;
let taskFunctions: TaskFunctions | null = null;
let tasks: TaskServer | null = null;
let ticks: TickTimer | null = null;
let leaving = false;

async function boot(): Promise<void> {
  // Writes to replicated tables go into the cluster's outbox.
  if (attachTables(config) && config.cluster) attachOutbox(config.cluster);
  taskFunctions = nativeTasks();
  php = new EmbeddedPhp(nativePhp());
  php.on('log', (message, fromOutput) => logger.php(message, fromOutput));
  if (role === 'task') tasks = new TaskServer(taskFunctions, config.taskQueueSize);
  php.start({ script: config.workerScript, ini: config.phpIni, stackBytes: config.phpStackBytes });
  await php.waitUntilReady();
  if (leaving) return; // told to leave while PHP booted
  php.on('script-error', (message) =>
    logger.error(`the ${role} worker script stopped and failed to restart: ${message}`),
  );
  if (tasks) {
    await tasks.listen(process.env[TASK_SOCKET_ENV]!);
    giveMemoryBackWhenIdle(tasks);
  }
  if (role === 'tick') {
    ticks = new TickTimer(taskFunctions);
    ticks.start();
  }
  tell({ type: 'ready' });
}

/** As a request worker does: once idle 2 s after running tasks, V8's garbage and glibc's free memory go back. */
function giveMemoryBackWhenIdle(server: TaskServer): void {
  const idleMemory = new IdleMemory();
  let done = 0;
  setInterval(() => {
    if (server.done !== done) idleMemory.served((done = server.done));
    idleMemory.tick();
  }, 1000).unref();
}

/** Finish the tasks it holds (or the running tick), shut PHP down, exit 0. */
async function leave(): Promise<void> {
  if (leaving) return;
  leaving = true;
  ticks?.stop();
  await tasks?.drain();
  reportStats();
  // Stop the bridge first, so that the script does not start over when take_task() returns null.
  const stopped = php?.stop();
  taskFunctions?.stopTasks();
  await stopped;
  process.exit(0);
}

function reportStats(): void {
  const tickCounts = ticks?.counts();
  tell({
    type: 'stats',
    stats: {
      done: tasks?.done ?? tickCounts?.taken ?? 0,
      waiting: tasks?.outstanding ?? 0,
      missedTicks: tickCounts?.missed ?? 0,
      rssBytes: process.memoryUsage.rss(),
      counters: {
        done: tasks?.done ?? 0,
        failed: tasks?.failed ?? 0,
        rejected: tasks?.rejected ?? 0,
        duration: (tasks?.durations ?? new Histogram()).counts(),
        ticks: tickCounts?.taken ?? 0,
        missedTicks: tickCounts?.missed ?? 0,
      },
    },
  });
}

// Without a supervisor the server is gone: the request workers that sent the tasks leave too, and a
// task may run for long (PHP cannot be interrupted), so this process does not wait for it.
followSupervisor({ leave: () => void leave(), reportStats, orphaned: exitNow });

boot().catch((error: unknown) => {
  leaving = true;
  exitWithBootFailure(bootFailure(error));
});
