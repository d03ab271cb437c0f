import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { repoRoot } from '../helpers/ephpm-server.js';

// The driver's PHPUnit tests (composer-package/tests: the client, the inspector, the runtime's log shown the Octane
// way), so that `npm test` runs them too.

const skip = octaneUnavailableReason();

describe.skipIf(skip)(`composer-package PHPUnit tests${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  it('pass', () => {
    const packageDir = join(repoRoot, 'composer-package');
    const run = spawnSync('php', [join(packageDir, 'vendor', 'bin', 'phpunit'), '--colors=never'], { cwd: packageDir, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/OK \(\d+ tests, \d+ assertions\)/);
  });
});
