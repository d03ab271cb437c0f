import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, startServer, tempDir } from '../helpers/ephpm-server.js';

const functions = join(repoRoot, 'composer-package', 'src', 'runtime-functions.php');
const exception = join(repoRoot, 'composer-package', 'src', 'RuntimeNotAvailable.php');

describe('the runtime functions outside ephpm', () => {
  it('fail fast under plain php with a message that says to use ephpm serve', () => {
    const result = spawnSync('php', ['-r', `require '${exception}'; require '${functions}'; \\Ephpm\\Octane\\take_request();`], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/take_request\(\) only works inside the ephpm runtime.*npx ephpm serve --worker/s);
  });

  it.each([
    ['table', "'users'"],
    ['tables', ''],
    ['worker_role', ''],
    ['take_task', ''],
    ['finish_task', "'result'"],
    ['fail_task', 'new \\Exception()'],
    ['take_tick', ''],
    ['run_tasks', "['a' => 'payload']"],
    ['dispatch_tasks', "['payload']"],
  ])('%s() fails fast under plain php too', (name, args) => {
    const result = spawnSync('php', ['-r', `require '${exception}'; require '${functions}'; \\Ephpm\\Octane\\${name}(${args});`], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(new RegExp(`${name}\\(\\) only works inside the ephpm runtime`));
  });

  it('step aside under ephpm, where the runtime provides the real functions', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'worker.php'), `<?php
require '${exception}';
require '${functions}';
while ($r = \\Ephpm\\Octane\\take_request()) { \\Ephpm\\Octane\\send_response(200, [], 'real runtime'); }
`);
    const server = await startServer(['--worker', join(dir, 'worker.php'), '--workers', '1']);
    try {
      expect(await (await fetch(server.url)).text()).toBe('real runtime');
    } finally {
      await server.stop();
    }
  });
});
