import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskWorkerStatus } from '../../src/runtime/metrics/server-status.js';
import { encodeFrame, FrameReader, FrameType } from '../../src/runtime/tasks/task-wire.js';
import { appWorker, fixture, runCli, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { serverStatus } from '../helpers/status.js';
import { waitFor } from '../helpers/wait-for.js';

const tasksWorker = fixture('workers', 'tasks.php');
const lineOf = (marker: string) =>
  readFileSync(tasksWorker, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(marker)) + 1;
const throwLine = lineOf('// THROW-LINE');
const fatalLine = lineOf('// FATAL-LINE');

interface Failure {
  class: string;
  originalClass: string;
  message: string;
  code: number;
  file: string;
  line: number;
  trace: string;
  workerDied: boolean;
}
type Outcome = { ok: string } | { failed: Failure };
interface RunReply {
  keys?: Array<string | number>;
  results?: Record<string, Outcome>;
  error?: {
    class: string;
    message: string;
    acceptedKeys?: Array<string | number>;
    rejectedKeys?: Array<string | number>;
  };
}

/** POSTs a raw JSON body (so that key order, numeric keys included, is exactly as written). */
async function post(server: RunningServer, path: string, body: string): Promise<RunReply> {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', body });
  expect(response.status).toBe(200);
  return (await response.json()) as RunReply;
}

const run = (server: RunningServer, tasks: Record<string, unknown>, wait = 20_000) =>
  post(server, '/run', JSON.stringify({ tasks, wait }));

function ok(outcome: Outcome | undefined): string {
  if (!outcome || !('ok' in outcome)) throw new Error(`expected a result, got ${JSON.stringify(outcome)}`);
  return outcome.ok;
}

function failed(outcome: Outcome | undefined): Failure {
  if (!outcome || !('failed' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome.failed;
}

async function taskWorkers(server: RunningServer): Promise<TaskWorkerStatus[]> {
  return (await serverStatus(server)).taskWorkers;
}

interface StateFile {
  pid: number;
  workers: Array<{ pid: number }>;
  taskWorkers: Array<{ role: string; index: number; pid: number; startedAt: string }>;
}
const stateOf = (server: RunningServer) => JSON.parse(readFileSync(server.stateFile, 'utf8')) as StateFile;

/**
 * Fills task worker `index` the way another request worker would: sends tasks on its
 * socket and resolves once it has queued all of them.
 */
async function occupy(server: RunningServer, index: number, tasks: object[]): Promise<Socket> {
  const socket = createConnection(join(dirname(server.stateFile), `task-${index}.sock`));
  const reader = new FrameReader();
  let accepted = 0;
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        if (frame.type === FrameType.Accepted) accepted++;
        else if (frame.type !== FrameType.ResultOk)
          reject(new Error(`task worker ${index} answered frame type ${frame.type}`));
      }
      if (accepted === tasks.length) resolve();
    });
    tasks.forEach((task, i) =>
      socket.write(encodeFrame(FrameType.Task, 900_000 + i, Buffer.from(JSON.stringify(task)))),
    );
  });
  return socket;
}

describe('task workers (run_tasks, dispatch_tasks)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(['--worker', tasksWorker, '--workers', '1', '--task-workers', '3']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs three 300 ms tasks at the same time, each in its own task worker', async () => {
    const reply = await run(server, {
      a: { op: 'sleep', ms: 300 },
      b: { op: 'sleep', ms: 300 },
      c: { op: 'sleep', ms: 300 },
    });
    const spans = Object.values(reply.results!).map(
      (outcome) => JSON.parse(ok(outcome)) as { pid: number; start: number; end: number },
    );
    expect(new Set(spans.map((span) => span.pid)).size).toBe(3);
    // Every task started before any of them ended: they overlapped.
    expect(Math.max(...spans.map((s) => s.start))).toBeLessThan(Math.min(...spans.map((s) => s.end)));
  });

  it('keeps the keys of the task array, in order, string and integer keys alike', async () => {
    const reply = await post(
      server,
      '/run',
      '{"tasks":{"x":{"op":"echo","value":"X"},"7":{"op":"echo","value":"seven"},"y":{"op":"role"}}}',
    );
    expect(reply.keys).toEqual(['x', 7, 'y']);
    expect(ok(reply.results!.x)).toBe('X');
    expect(ok(reply.results!['7'])).toBe('seven');
    expect(ok(reply.results!.y)).toBe('task');
  });

  it("returns a task's exception as TaskFailed with the original class, message, code, file, line and trace", async () => {
    const reply = await run(server, {
      good: { op: 'echo', value: 'fine' },
      bad: { op: 'throw', message: 'the task broke' },
    });
    expect(ok(reply.results!.good)).toBe('fine');
    const failure = failed(reply.results!.bad);
    expect(failure).toMatchObject({
      class: 'Ephpm\\Octane\\TaskFailed',
      originalClass: 'DomainException',
      message: 'the task broke',
      code: 42,
      file: tasksWorker,
      line: throwLine,
      workerDied: false,
    });
    expect(failure.trace).toMatch(/run_task\(\)/);
  });

  it('fails a task whose script died (exit) with TaskNotFinished, and the task worker carries on', async () => {
    const reply = await run(server, { gone: { op: 'exit' } });
    const failure = failed(reply.results!.gone);
    expect(failure.originalClass).toBe('Ephpm\\Octane\\TaskNotFinished');
    expect(failure.message).toMatch(/script ended while running this task without a PHP error: exit\(\) was called/);
    const after = await run(server, {
      a: { op: 'echo', value: '1' },
      b: { op: 'echo', value: '2' },
      c: { op: 'echo', value: '3' },
    });
    expect(Object.values(after.results!).map(ok)).toEqual(['1', '2', '3']);
  });

  it("fails a task that dies of a fatal error with PHP's error: message, file and line, as PHP logged it", async () => {
    const reply = await run(server, { fatal: { op: 'fatal' }, fine: { op: 'echo', value: 'fine' } });
    expect(ok(reply.results!.fine)).toBe('fine');
    const failure = failed(reply.results!.fatal);
    expect(failure).toMatchObject({
      originalClass: 'Ephpm\\Octane\\TaskNotFinished',
      file: tasksWorker,
      line: fatalLine,
      code: 1,
    });
    const logged = `PHP Fatal error:  Allowed memory size of 16777216 bytes exhausted`;
    expect(failure.message).toMatch(
      new RegExp(
        `^${logged} \\(tried to allocate \\d+ bytes\\) in ${tasksWorker.replace(/[.\\/]/g, '\\$&')} on line ${fatalLine}$`,
      ),
    );
    await server.waitFor(/PHP Fatal error: {2}Allowed memory size of 16777216 bytes exhausted/); // the same text in the server log
    const after = await run(server, { again: { op: 'echo', value: 'again' } });
    expect(ok(after.results!.again)).toBe('again');
  });

  it('throws TaskTimeout when the tasks take longer than the wait', async () => {
    const reply = await run(server, { slow: { op: 'sleep', ms: 1500 }, quick: { op: 'echo', value: 'q' } }, 100);
    expect(reply.error).toEqual({
      class: 'Ephpm\\Octane\\TaskTimeout',
      message: 'Ephpm\\Octane\\run_tasks(): 1 of 2 tasks did not finish within 100 ms',
    });
  });

  it('carries payloads and results of several megabytes intact', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024 - 7) + 'the end';
    const reply = await run(server, { big: { op: 'echo', value: big }, small: { op: 'echo', value: 'small' } });
    expect(ok(reply.results!.big)).toBe(big);
    expect(ok(reply.results!.small)).toBe('small');
  });

  it('dispatch_tasks returns before the task runs, and the task runs afterwards', async () => {
    const file = join(tempDir(), 'fire-and-forget.txt');
    const reply = await post(
      server,
      '/dispatch',
      JSON.stringify({ tasks: [{ op: 'write', path: file, value: 'ran later' }] }),
    );
    expect(reply).toEqual({ dispatched: 1 });
    await waitFor(
      () => existsSync(file) && readFileSync(file, 'utf8') === 'ran later',
      'the dispatched task to write its file',
    );
  });

  it('rejects a payload that is not a string with a TypeError naming the key', async () => {
    const reply = await post(server, '/bad-payload', '{}');
    expect(reply.error?.class).toBe('TypeError');
    expect(reply.error?.message).toMatch(/must contain only strings \(serialized tasks\), int given for key "a"/);
  });

  it('names every task worker in the state file, as ephpm status does', async () => {
    const fromStatus = (await taskWorkers(server)).map((w) => ({ role: w.role, index: w.index, pid: w.pid }));
    expect(stateOf(server).taskWorkers.map((w) => ({ role: w.role, index: w.index, pid: w.pid }))).toEqual(fromStatus);
    expect(fromStatus.map((w) => w.index)).toEqual([1, 2, 3]);
  });

  it('shows task workers in ephpm status, human and JSON', async () => {
    const workers = await taskWorkers(server);
    expect(workers.map((w) => [w.role, w.index, w.state])).toEqual([
      ['task', 1, 'running'],
      ['task', 2, 'running'],
      ['task', 3, 'running'],
    ]);
    expect(workers.reduce((sum, w) => sum + w.done, 0)).toBeGreaterThanOrEqual(10);
    for (const worker of workers) expect(worker.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    const human = await runCli(['status', '--state-file', server.stateFile]);
    expect(human.output).toMatch(/TASK WORKER\s+PID\s+STATE\s+DONE\s+WAITING\s+RSS\s+UPTIME\s+RESTARTS/);
    expect(human.output).toMatch(new RegExp(`task #2\\s+${workers[1]!.pid}\\s+running\\s+\\d+ tasks`));
  });
});

describe('task worker failures and limits', () => {
  it('a task worker killed mid-task fails that task with TaskWorkerDied, and a new one takes its place', async () => {
    const server = await startServer(['--worker', tasksWorker, '--workers', '1', '--task-workers', '1']);
    try {
      const pidFile = join(tempDir(), 'task.pid');
      const pending = run(server, { stuck: { op: 'hang', pid_file: pidFile } }, 60_000);
      const pid = Number(
        await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8'), 'the task to start'),
      );
      process.kill(pid, 'SIGKILL');
      const failure = failed((await pending).results!.stuck);
      expect(failure.class).toBe('Ephpm\\Octane\\TaskWorkerDied');
      expect(failure.workerDied).toBe(true);
      expect(failure.message).toMatch(/task worker running this task exited before it finished/);

      const after = await run(server, { again: { op: 'echo', value: 'works again' } });
      expect(ok(after.results!.again)).toBe('works again');
      const [worker] = await taskWorkers(server);
      expect(worker).toMatchObject({ role: 'task', index: 1, restarts: 1, state: 'running' });
      expect(worker!.pid).not.toBe(pid);
      await server.waitFor(new RegExp(`task worker ${pid} exited unexpectedly \\(SIGKILL\\)`));
      await waitFor(
        () => stateOf(server).taskWorkers[0]?.pid === worker!.pid,
        'the state file to name the new task worker',
      );
    } finally {
      await server.stop();
    }
  });

  it('bounds the queue of a busy task worker: TaskQueueFull says which tasks were queued and what to raise', async () => {
    const server = await startServer([
      '--worker',
      tasksWorker,
      '--workers',
      '1',
      '--task-workers',
      '1',
      '--task-queue-size',
      '1',
    ]);
    try {
      // One task runs, one waits behind it, the third does not fit.
      const reply = await run(server, {
        a: { op: 'sleep', ms: 300 },
        b: { op: 'sleep', ms: 300 },
        c: { op: 'sleep', ms: 300 },
      });
      expect(reply.error).toMatchObject({
        class: 'Ephpm\\Octane\\TaskQueueFull',
        acceptedKeys: ['a', 'b'],
        rejectedKeys: ['c'],
      });
      expect(reply.error?.message).toMatch(
        /task queue is full \(1 task worker, .*\): 1 of 3 tasks refused \(\$rejectedKeys\), the other 2 were queued and run, their results are not returned.*add --task-workers or raise --task-queue-size/,
      );
      // The two it took still run; once they are done there is room again.
      await waitFor(
        async () => (await taskWorkers(server))[0]!.waiting === 0,
        'the task worker to finish what it holds',
      );
      const after = await run(server, { a: { op: 'echo', value: 'a' }, b: { op: 'echo', value: 'b' } });
      expect(Object.values(after.results!).map(ok)).toEqual(['a', 'b']);
    } finally {
      await server.stop();
    }
  });

  it('dispatch_tasks on a full queue throws TaskQueueFull naming the tasks not queued; the queued ones run', async () => {
    const server = await startServer([
      '--worker',
      tasksWorker,
      '--workers',
      '1',
      '--task-workers',
      '1',
      '--task-queue-size',
      '1',
    ]);
    try {
      const dir = tempDir();
      const release = join(dir, 'release');
      const tasks = [0, 1, 2].map((i) => ({ op: 'wait', release, path: join(dir, `ran-${i}`) }));
      const reply = await post(server, '/dispatch', JSON.stringify({ tasks }));
      expect(reply.error).toMatchObject({
        class: 'Ephpm\\Octane\\TaskQueueFull',
        acceptedKeys: [0, 1],
        rejectedKeys: [2],
      });
      expect(reply.error?.message).toMatch(
        /^Ephpm\\Octane\\dispatch_tasks\(\): the task queue is full .* 1 of 3 tasks refused .* the other 2 were queued and will run/,
      );
      writeFileSync(release, '');
      await waitFor(
        async () => (await taskWorkers(server))[0]!.waiting === 0,
        'the task worker to finish what it holds',
      );
      expect([0, 1, 2].map((i) => existsSync(join(dir, `ran-${i}`)))).toEqual([true, true, false]);
    } finally {
      await server.stop();
    }
  });

  it('run_tasks places a task that one full task worker refused on another with room; TaskQueueFull only when all are full', async () => {
    const server = await startServer([
      '--worker',
      tasksWorker,
      '--workers',
      '1',
      '--task-workers',
      '2',
      '--task-queue-size',
      '1',
    ]);
    const dir = tempDir();
    const release = join(dir, 'release');
    const occupied = await occupy(server, 1, [
      { op: 'wait', release },
      { op: 'wait', release },
    ]);
    try {
      const [first, second] = await taskWorkers(server);
      // This request worker has sent nothing yet, so one of the two goes to task worker 1 first, which refuses it.
      const reply = await run(server, { a: { op: 'pid' }, b: { op: 'pid' } });
      expect(reply.error).toBeUndefined();
      expect([ok(reply.results!.a), ok(reply.results!.b)]).toEqual([String(second!.pid), String(second!.pid)]);
      expect(first!.index).toBe(1);

      const tasks = Object.fromEntries(
        ['a', 'b', 'c'].map((key) => [key, { op: 'wait', release, path: join(dir, `ran-${key}`) }]),
      );
      const full = await run(server, tasks);
      expect(full.error?.class).toBe('Ephpm\\Octane\\TaskQueueFull');
      expect(full.error?.message).toMatch(/\(2 task workers, .*\): 1 of 3 tasks refused/);
      const accepted = full.error!.acceptedKeys!;
      const rejected = full.error!.rejectedKeys!;
      expect([...accepted, ...rejected].sort()).toEqual(['a', 'b', 'c']);
      expect(rejected).toHaveLength(1);
      writeFileSync(release, '');
      await waitFor(
        async () => (await taskWorkers(server)).every((w) => w.waiting === 0),
        'the task workers to finish what they hold',
      );
      for (const key of accepted) expect(existsSync(join(dir, `ran-${key}`))).toBe(true);
      expect(existsSync(join(dir, `ran-${rejected[0]}`))).toBe(false);
    } finally {
      occupied.destroy();
      await server.stop();
    }
  });

  it('run_tasks on a server without task workers says how to start some', async () => {
    const server = await startServer(['--worker', tasksWorker, '--workers', '1']);
    try {
      const reply = await run(server, { a: { op: 'echo', value: 'a' } });
      expect(reply.error?.class).toBe('Error');
      expect(reply.error?.message).toMatch(/runs no task workers; start it with --task-workers=N/);
    } finally {
      await server.stop();
    }
  });

  it('stop lets a request that waits on a task finish, then stops the task workers, and exits 0', async () => {
    const server = await startServer(['--worker', tasksWorker, '--workers', '1', '--task-workers', '1']);
    const pidFile = join(tempDir(), 'task.pid');
    const pending = run(server, { slow: { op: 'sleep-after-pid', ms: 500, pid_file: pidFile } });
    await waitFor(() => existsSync(pidFile), 'the task to start');
    const exitCode = await server.stop('SIGTERM');
    const span = JSON.parse(ok((await pending).results!.slow)) as { end: number };
    expect(span.end).toBeGreaterThan(0);
    expect(exitCode).toBe(0);
    expect(existsSync(join(dirname(server.stateFile), 'task-1.sock'))).toBe(false);
  });

  it('reload replaces the task workers while tasks keep being answered', async () => {
    const server = await startServer(['--worker', tasksWorker, '--workers', '1', '--task-workers', '2']);
    try {
      const before = (await taskWorkers(server)).map((w) => w.pid);
      let reloading = true;
      const failures: string[] = [];
      let answered = 0;
      const load = (async () => {
        while (reloading) {
          const reply = await run(server, { a: { op: 'echo', value: 'a' }, b: { op: 'echo', value: 'b' } });
          if (reply.error || !reply.results || Object.values(reply.results).some((o) => !('ok' in o)))
            failures.push(JSON.stringify(reply));
          else answered++;
        }
      })();
      const reload = await runCli(['reload', '--state-file', server.stateFile]);
      reloading = false;
      await load;
      expect(reload.code).toBe(0);
      expect(failures).toEqual([]);
      expect(answered).toBeGreaterThan(0);
      const after = await taskWorkers(server);
      expect(
        after
          .filter((w) => w.state === 'running')
          .map((w) => w.pid)
          .some((pid) => before.includes(pid)),
      ).toBe(false);
    } finally {
      await server.stop();
    }
  });
});

describe('the state file', () => {
  it('names the supervisor, the request workers, the task workers and the tick worker, with their roles', async () => {
    const server = await startServer(['--worker', tasksWorker, '--workers', '2', '--task-workers', '2', '--tick']);
    try {
      const state = stateOf(server);
      const status = JSON.parse((await runCli(['status', '--json', '--state-file', server.stateFile])).output) as {
        pid: number;
        workers: Array<{ pid: number }>;
        taskWorkers: Array<{ role: string; index: number; pid: number }>;
      };
      expect(state.pid).toBe(status.pid);
      expect(state.workers.map((w) => w.pid).sort()).toEqual(status.workers.map((w) => w.pid).sort());
      expect(state.taskWorkers.map((w) => [w.role, w.index, w.pid])).toEqual(
        status.taskWorkers.map((w) => [w.role, w.index, w.pid]),
      );
      expect(state.taskWorkers.map((w) => `${w.role}#${w.index}`)).toEqual(['task#1', 'task#2', 'tick#1']);
      for (const worker of state.taskWorkers) expect(() => process.kill(worker.pid, 0)).not.toThrow();
    } finally {
      await server.stop();
    }
  });
});

describe('task worker configuration', () => {
  it('reads task_workers, task_queue_size and tick from ephpm.toml', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'ephpm.toml'),
      `[server]\nworker = ${JSON.stringify(tasksWorker)}\nworkers = 1\ntask_workers = 2\ntask_queue_size = 5\ntick = false\n`,
    );
    const server = await startServer(['--root', dir]);
    try {
      expect((await taskWorkers(server)).map((w) => `${w.role}#${w.index}`)).toEqual(['task#1', 'task#2']);
    } finally {
      await server.stop();
    }
  });

  it('takes EPHPM_TASK_WORKERS from the environment', async () => {
    const server = await startServer(['--worker', tasksWorker, '--workers', '1'], { env: { EPHPM_TASK_WORKERS: '1' } });
    try {
      expect((await taskWorkers(server)).map((w) => w.role)).toEqual(['task']);
    } finally {
      await server.stop();
    }
  });

  it('names a bad task_workers value', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ephpm.toml'), `[server]\nworker = ${JSON.stringify(tasksWorker)}\ntask_workers = "two"\n`);
    const result = await runCli(['serve', '--root', dir, '--port', '0']);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/server\.task_workers must be a whole number from 0 to 64; got "two"/);
  });

  it('a worker script that ignores worker_role() stops the start with a message that says to branch on it', async () => {
    const result = await runCli([
      'serve',
      '--worker',
      appWorker,
      '--workers',
      '1',
      '--task-workers',
      '1',
      '--port',
      '0',
      '--state-file',
      join(tempDir(), 'server.json'),
    ]);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(
      /take_request\(\) only works in an http worker, and this is a task worker; branch on Ephpm\\Octane\\worker_role\(\)/,
    );
  });

  it('a task worker that fails to boot stops the start at once, also while the request workers are still loading', async () => {
    const dir = tempDir();
    const script = join(dir, 'worker.php');
    writeFileSync(
      script,
      [
        '<?php',
        'declare(strict_types=1);',
        "if (Ephpm\\Octane\\worker_role() === 'task') throw new RuntimeException('the task side cannot boot');",
        "while (Ephpm\\Octane\\take_request() !== null) Ephpm\\Octane\\send_response(200, [], 'ok');",
      ].join('\n'),
    );
    // The request workers are told to leave while they may still be loading: a message they would have lost
    // left them serving until the 60 s drain deadline. Several starts, as the timing varies.
    for (let start = 0; start < 4; start++) {
      const result = await runCli(
        [
          'serve',
          '--worker',
          script,
          '--workers',
          '2',
          '--task-workers',
          '2',
          '--drain-timeout',
          '60',
          '--port',
          '0',
          '--state-file',
          join(dir, `server-${start}.json`),
        ],
        { timeoutMs: 20_000 },
      );
      expect(result.code, result.output).toBe(1);
      expect(result.output).toContain('A task worker failed to start');
      expect(result.output).toContain('the task side cannot boot');
    }
  });
});
