import { describe, expect, it } from 'vitest';
import type { ServerStatus } from '../../src/runtime/metrics/server-status.js';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { concurrentGets } from '../helpers/concurrent-requests.js';
import { runCli } from '../helpers/ephpm-server.js';
import { laravelApp, onLaravel } from '../helpers/laravel-app.js';
import { startOctane } from '../helpers/octane-server.js';
import { processGone, waitFor } from '../helpers/wait-for.js';

// `php artisan octane:start` SIGKILLed: nothing passes a Ctrl-C on to the server, and its output has no reader any
// more. The server still answers what it accepted, then stops by itself rather than serve on with nobody to stop it.

const skip = octaneUnavailableReason();

describe.skipIf(skip)(
  `${onLaravel('php artisan octane:start SIGKILLed under load')}${skip ? ` — SKIPPED: ${skip}` : ''}`,
  () => {
    it('answers every request the workers had accepted, then the whole server exits', async () => {
      const app = laravelApp();
      const server = await startOctane(app, ['--workers=2', '--task-workers=0']);
      const { stdout } = await runCli(['status', '--json', '--root', app]);
      const status = JSON.parse(stdout) as ServerStatus;
      const processes = [status.pid, ...status.workers.map((worker) => worker.pid)];
      const statuses = await concurrentGets(server.url, '/sleep?ms=800', 16, () =>
        setTimeout(() => server.child.kill('SIGKILL'), 500),
      );
      expect(statuses).toEqual(Array(16).fill(200));
      await waitFor(() => processes.every(processGone), 'the server and its workers to exit', 30_000);
    }, 90_000);
  },
);
