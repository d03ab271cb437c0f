import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, startServer } from '../helpers/ephpm-server.js';
import { serverStatus } from '../helpers/status.js';

const appWorker = fixture('workers', 'tasks.php');

/** The node flags of each request worker and task worker, from /proc/<pid>/cmdline. */
async function workerFlags(env: Record<string, string> = {}): Promise<string[][]> {
  const server = await startServer(['--worker', appWorker, '--workers', '2', '--task-workers', '1'], { env });
  try {
    const status = await serverStatus(server);
    const pids = [...status.workers, ...status.taskWorkers].map((worker) => worker.pid);
    expect(pids).toHaveLength(3);
    return pids.map((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .filter((arg) => arg.startsWith('--')),
    );
  } finally {
    await server.stop();
  }
}

describe("worker processes' JavaScript heap", () => {
  it('is started with a 4 MB young generation', async () => {
    for (const flags of await workerFlags()) expect(flags).toContain('--max-semi-space-size=4');
  });

  it('is left as NODE_OPTIONS sets it when it names --max-semi-space-size', async () => {
    for (const flags of await workerFlags({ NODE_OPTIONS: '--max-semi-space-size=16' }))
      expect(flags.join(' ')).not.toMatch(/semi-space/);
  });
});
