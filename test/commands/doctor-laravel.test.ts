import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { runCli } from '../helpers/ephpm-server.js';
import { appCopy } from '../helpers/laravel-app.js';
import { freePort } from '../helpers/octane-server.js';
import { scaffoldedApp } from '../helpers/scaffold.js';

// `ephpm doctor` in a Laravel app: copies of the app create-ephpm-laravel made, each broken the way a user's could be.

const skip = octaneUnavailableReason();

interface Check {
  name: string;
  status: string;
  detail: string;
  fix?: string;
}

async function doctor(app: string): Promise<{ code: number | null; checks: Record<string, Check>; output: string }> {
  const port = String(await freePort());
  const json = await runCli(['doctor', '--json', '--root', app, '--port', port], { timeoutMs: 120_000 });
  const human = await runCli(['doctor', '--root', app, '--port', port], { timeoutMs: 120_000 });
  const checks = (JSON.parse(json.stdout) as { checks: Check[] }).checks;
  return {
    code: json.code,
    checks: Object.fromEntries(checks.map((check) => [check.name, check])),
    output: human.output,
  };
}

function edit(file: string, change: (text: string) => string): void {
  writeFileSync(file, change(readFileSync(file, 'utf8')));
}

describe.skipIf(skip)(`ephpm doctor in a Laravel app${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  let app: string;

  beforeAll(async () => {
    app = (await scaffoldedApp()).app;
  }, 900_000);

  it('names each broken setting of the app with the command that fixes it', async () => {
    const copy = appCopy(app);
    edit(join(copy, '.env'), (env) =>
      env
        .replace(/^OCTANE_SERVER=.*$/m, 'OCTANE_SERVER=swoole')
        .replace(/^APP_KEY=.*$/m, 'APP_KEY=')
        .replace(/^SESSION_DRIVER=.*$/m, 'SESSION_DRIVER=array'),
    );
    edit(join(copy, 'config', 'octane.php'), (config) => config.replace("'example:1000'", "'example:0'"));
    edit(join(copy, 'composer.json'), (json) =>
      JSON.stringify({ ...JSON.parse(json), require: { ...JSON.parse(json).require, 'ext-imaginary': '*' } }, null, 4),
    );
    edit(join(copy, 'ephpm.toml'), (toml) => `${toml}\n[php]\nmemory_limit = "64M"\n`);
    const { code, checks, output } = await doctor(copy);
    expect(code).toBe(1);
    expect(checks['octane.server']).toMatchObject({
      status: 'fail',
      detail: 'swoole: octane:start would start another server',
      fix: 'set OCTANE_SERVER=ephpm in .env  (npx ephpm init does it)',
    });
    expect(checks['APP_KEY']).toMatchObject({ status: 'fail', fix: 'php artisan key:generate' });
    expect(checks['octane.tables']).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/table "example:0" has zero rows/),
      fix: 'fix octane.tables in config/octane.php',
    });
    expect(checks['PHP extensions the app requires']).toMatchObject({
      status: 'fail',
      detail: 'not loaded in the embedded PHP: imaginary',
      fix: expect.stringMatching(/^sudo apt-get install -y php8\.2-imaginary/),
    });
    expect(checks['memory_limit']).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^64M: /),
      fix: 'memory_limit = "256M" under [php] in ephpm.toml',
    });
    expect(checks['session.driver']).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^array: each worker keeps the sessions it wrote/),
      fix: 'set SESSION_DRIVER=database (or file, redis, cookie) in .env',
    });
    expect(output).toMatch(
      /✖ octane\.server +swoole: octane:start would start another server\n {2}fix: set OCTANE_SERVER=ephpm in \.env/,
    );
  });

  it('says when the config cache is older than the config, or storage/ and bootstrap/cache are not writable directories', async () => {
    const cached = appCopy(app);
    execFileSync('php', ['artisan', 'config:cache'], { cwd: cached, stdio: 'ignore' });
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(cached, 'config', 'app.php'), later, later);
    expect((await doctor(cached)).checks['config cache']).toMatchObject({
      status: 'warn',
      detail: 'stale: config/app.php changed after php artisan config:cache',
      fix: 'php artisan config:cache  (or php artisan config:clear)',
    });

    const unwritable = appCopy(app);
    rmSync(join(unwritable, 'storage', 'framework', 'views'), { recursive: true });
    writeFileSync(join(unwritable, 'storage', 'framework', 'views'), '');
    rmSync(join(unwritable, 'storage', 'logs'), { recursive: true });
    expect((await doctor(unwritable)).checks['storage/ and bootstrap/cache writable']).toMatchObject({
      status: 'fail',
      detail: 'storage/framework/views is not a directory; storage/logs is missing',
      fix: 'make each one a directory, then: mkdir -p storage/logs && chmod -R u+w storage bootstrap/cache',
    });
  });

  it('checks laravel/octane against what the driver requires (what its tests run on: 2.13)', async () => {
    const copy = appCopy(app);
    edit(join(copy, 'vendor', 'composer', 'installed.json'), (json) =>
      json.replace(/("name": "laravel\/octane",\s*"version": )"[^"]+"/, '$1"v2.3.7"'),
    );
    expect((await doctor(copy)).checks['Laravel, Octane and driver versions']).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/laravel\/octane v2\.3\.7, .*: the driver needs laravel\/octane \^2\.13$/),
      fix: 'composer require laravel/octane:"^2.13"',
    });
  });
});
