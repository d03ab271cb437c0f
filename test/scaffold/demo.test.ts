import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { repoRoot, tempDir } from '../helpers/ephpm-server.js';
import { freePort } from '../helpers/octane-server.js';
import { expectWelcomePage, runToEnd, scaffoldedApp, spawnAsInTerminal } from '../helpers/scaffold.js';

// README command 1 (`npm run demo`) after scripts/setup.sh: scripts/demo.sh makes a Laravel app with
// create-ephpm-laravel (or reuses it) and serves it. Here on the app the scaffolder's end-to-end test made.

const skip = octaneUnavailableReason();
const composerCache = () =>
  runToEnd('composer', ['config', '--global', 'cache-dir'], { cwd: tempDir() }).then((r) => r.output.trim());

describe.skipIf(skip)(`npm run demo's Laravel app${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  it('reuses the app it finds and serves its welcome page', async () => {
    const { app } = await scaffoldedApp();
    const port = await freePort();
    const demo = spawnAsInTerminal('bash', [join(repoRoot, 'scripts', 'demo.sh')], {
      env: { EPHPM_DEMO_APP: app, EPHPM_DEMO_PORT: String(port) },
    });
    try {
      await demo.waitFor(new RegExp(`serving http://127\\.0\\.0\\.1:${port}`), 0, 120_000);
      expect(demo.output()).toMatch(/Nothing to do: my-app already runs on ephpm/);
      await expectWelcomePage(`http://127.0.0.1:${port}/`);
    } finally {
      await demo.ctrlC();
    }
    expect(demo.output()).toMatch(/ephpm stopped/);
  }, 900_000);
});

describe('npm run demo where Composer cannot resolve laravel/octane', () => {
  it('stops with one line saying so and how to make it resolvable, and leaves nothing behind', async () => {
    const app = join(tempDir(), 'demo');
    // A Composer home that knows no repository: Packagist turned off (an empty one would still reach Packagist).
    const composerHome = tempDir();
    writeFileSync(join(composerHome, 'config.json'), JSON.stringify({ repositories: { 'packagist.org': false } }));
    const { code, output } = await runToEnd('bash', [join(repoRoot, 'scripts', 'demo.sh')], {
      cwd: repoRoot,
      env: { EPHPM_DEMO_APP: app, COMPOSER_HOME: composerHome, COMPOSER_CACHE_DIR: await composerCache() },
      timeoutMs: 120_000,
    });
    expect(code).toBe(1);
    const said = output.split('\n').filter((line) => /laravel\/octane/.test(line));
    expect(said).toEqual([
      expect.stringMatching(
        /^└ {2}Composer cannot resolve laravel\/octane here \(no repository it knows has it\): make it resolvable, e\.g\. with Packagist reachable or `composer config -g repositories\.octane path \/path\/to\/a\/laravel-octane-checkout`, then run this again\.$/,
      ),
    ]);
    expect(output).not.toMatch(/\n\s+at |Error:/);
    expect(existsSync(app)).toBe(false);
  }, 150_000);
});
