import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { cliPath, repoRoot, runCli, startServer, tempDir } from '../helpers/ephpm-server.js';
import { fetchJson } from '../helpers/http-client.js';
import { appCopy, laravelApp, onLaravel } from '../helpers/laravel-app.js';
import { artisan, freePort } from '../helpers/octane-server.js';
import { writeSelfSignedCertificate } from '../helpers/tls.js';

const run = promisify(execFile);

// The other front door (`ephpm serve|dev|doctor` in the app's directory), and what each command says when something
// is missing: the runtime, laravel/octane, the driver, a Laravel app at all.

const skip = octaneUnavailableReason();
/** PATH with node and php but no ephpm on it. */
const pathWithoutEphpm = [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');

describe.skipIf(skip)(
  `${onLaravel('ephpm in a Laravel app, and what is missing said plainly')}${skip ? ` — SKIPPED: ${skip}` : ''}`,
  () => {
    let app: string;

    beforeAll(() => {
      app = laravelApp();
    }, 600_000);

    /** A copy of the app whose AppServiceProvider throws `message` in boot() when the PHP `condition` holds. */
    const appFailingToBoot = (condition: string, message: string) => {
      const copy = appCopy(app, { withRuntime: true });
      const provider = join(copy, 'app', 'Providers', 'AppServiceProvider.php');
      writeFileSync(
        provider,
        readFileSync(provider, 'utf8').replace(
          'public function boot(): void\n    {\n',
          `public function boot(): void\n    {\n        if (${condition}) throw new \\RuntimeException('${message}');\n`,
        ),
      );
      return copy;
    };

    it('serves the app with `ephpm serve` in its directory, through the same driver as octane:start', async () => {
      // APP_DEBUG from the environment wins over .env here (octane:start clears .env values from its own).
      const server = await startServer(['--root', app, '--workers', '1'], { env: { APP_DEBUG: 'false' } });
      try {
        expect(await fetchJson(`${server.url}/request?via=serve`)).toMatchObject({
          query: { via: 'serve' },
          runningInConsole: false,
          octane: '1',
        });
        const escaped = await fetch(`${server.url}/stream/throws`);
        expect([escaped.status, await escaped.text()]).toEqual([500, 'Internal server error.']);
        expect((await fetch(`${server.url}/`)).status).toBe(200);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    });

    it('serves the app over HTTP/2 with TLS: Laravel sees a secure request, its query and its form', async () => {
      const copy = appCopy(app, { withRuntime: true });
      writeSelfSignedCertificate(copy);
      writeFileSync(
        join(copy, 'ephpm.toml'),
        `${readFileSync(join(copy, 'ephpm.toml'), 'utf8')}\n[server.tls]\ncert = "cert.pem"\nkey = "key.pem"\n`,
      );
      const server = await startServer(['--root', copy, '--workers', '1'], { env: { APP_DEBUG: 'false' } });
      try {
        const { stdout } = await run('curl', [
          ...['-sk', '--http2', '-w', '\\n%{http_version}', '-d', 'name=h2'],
          `${server.url}/request?via=h2`,
        ]);
        const [body, version] = stdout.split('\n');
        expect(version).toBe('2');
        expect(JSON.parse(body!)).toMatchObject({
          method: 'POST',
          query: { via: 'h2' },
          input: { via: 'h2', name: 'h2' },
          secure: true,
          octane: '1',
        });
      } finally {
        expect(await server.stop()).toBe(0);
      }
    });

    it('serves the app with `ephpm dev` too', async () => {
      const server = await startServer(['--root', app, '--workers', '1'], { command: 'dev' });
      try {
        expect((await fetch(`${server.url}/`)).status).toBe(200);
        await server.waitFor(/watching .*app.*routes/);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    });

    it("takes the app's octane.tables and octane.cache with `ephpm serve`, asking the app once: the answer is kept until its config changes", async () => {
      const copy = appCopy(app, { withRuntime: true });
      const tablesOf = async (args: string[] = []) => {
        const server = await startServer(['--root', copy, '--workers', '1', '--task-workers', '0', ...args]);
        try {
          const { stdout } = await runCli(['table:list', '--json', '--state-file', server.stateFile]);
          return (JSON.parse(stdout) as { tables: Array<{ name: string }> }).tables.map((table) => table.name).sort();
        } finally {
          expect(await server.stop()).toBe(0);
        }
      };
      expect(await tablesOf()).toEqual(['example', 'markers', 'octane.cache', 'parity', 'users']);

      // The answer is kept in .ephpm/octane-settings.json: an edit there (the app is not asked again) shows...
      const cacheFile = join(copy, '.ephpm', 'octane-settings.json');
      const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as { settings: { tables: Record<string, unknown> } };
      cached.settings.tables = { 'from-cache:10': { n: 'int' } };
      writeFileSync(cacheFile, JSON.stringify(cached));
      expect(await tablesOf()).toEqual(['from-cache', 'octane.cache']);
      // ...until the app's config changes.
      const config = join(copy, 'config', 'octane.php');
      writeFileSync(config, readFileSync(config, 'utf8').replace("'example:1000'", "'renamed:1000'"));
      expect(await tablesOf()).toEqual(['markers', 'octane.cache', 'parity', 'renamed', 'users']);

      // [tables] and [cache] in ephpm.toml win over the app's settings, and --tables over both.
      writeFileSync(
        join(copy, 'ephpm.toml'),
        `${readFileSync(join(copy, 'ephpm.toml'), 'utf8')}\n[tables]\n"toml:10" = { n = "int" }\n[cache]\nrows = 10\n`,
      );
      expect(await tablesOf()).toEqual(['octane.cache', 'toml']);
      expect(await tablesOf(['--tables', '{"flag:10":{"n":"int"}}'])).toEqual(['flag', 'octane.cache']);
    });

    it("stops `ephpm serve` with the app's error when the app cannot say its Octane settings", async () => {
      const copy = appFailingToBoot('$this->app->runningInConsole()', 'no database for the console');
      const { code, output } = await runCli(['serve', '--root', copy, '--port', '0'], { timeoutMs: 120_000 });
      expect(code).toBe(1);
      expect(output).toMatch(
        /ephpm could not read the app's Octane settings \(octane\.tables, octane\.cache, ticks\): php artisan ephpm:octane-settings in .* exited with 1/,
      );
      expect(output).toMatch(/no database for the console/);
    });

    it('finds laravel/octane and the driver with `ephpm doctor`', async () => {
      const { output } = await runCli(['doctor', '--json', '--root', app, '--port', '1']);
      expect(JSON.parse(output).checks).toContainEqual({
        name: 'Laravel + Octane',
        status: 'ok',
        detail: 'laravel/octane and ephpm/octane-driver installed',
      });
    });

    it('names the composer require to run when the driver or laravel/octane is missing', async () => {
      const withoutDriver = await runCli([
        'serve',
        '--root',
        appCopy(app, { withoutPackages: ['ephpm/octane-driver'] }),
        '--port',
        '0',
      ]);
      expect(withoutDriver.code).toBe(1);
      expect(withoutDriver.output).toMatch(/is a Laravel app, but ephpm\/octane-driver is not installed/);
      expect(withoutDriver.output).toContain(
        `try: run in the app: composer config repositories.ephpm path ${join(repoRoot, 'composer-package')} && composer require ephpm/octane-driver:@dev`,
      );

      const withoutOctane = await runCli([
        'dev',
        '--root',
        appCopy(app, { withoutPackages: ['laravel/octane'] }),
        '--port',
        '0',
      ]);
      expect(withoutOctane.code).toBe(1);
      expect(withoutOctane.output).toMatch(/is a Laravel app, but laravel\/octane is not installed/);
      expect(withoutOctane.output).toContain('try: run in the app: composer require laravel/octane');
      expect(withoutOctane.output).toMatch(/EPHPM_LARAVEL_PACKAGES_MISSING/);
    });

    it('says a directory is not a Laravel app when there is no worker script to run either', async () => {
      const { code, output } = await runCli(['serve', '--root', tempDir(), '--port', '0']);
      expect(code).toBe(1);
      expect(output).toMatch(/it is not a Laravel app \(no artisan file\) and no worker script is set/);
      expect(output).toMatch(/try: Pass --worker <script\.php>.*or run it in a Laravel app/);
    });

    it('says how to install the runtime when the app has none, and finds it on PATH or through EPHPM_BINARY', async () => {
      const copy = appCopy(app);
      const env = { PATH: pathWithoutEphpm, EPHPM_BINARY: '' };
      const missing = await artisan(copy, ['octane:start', '--server=ephpm', '--port=1'], env);
      expect(missing.code).toBe(1);
      expect(missing.output).toMatch(
        /The ephpm runtime is not installed: there is no node_modules\/\.bin\/ephpm in .*, no ephpm on PATH, and EPHPM_BINARY is not set\. Install it in the app with: npm install --save-dev ephpm/,
      );

      const wrong = await artisan(copy, ['octane:status'], { ...env, EPHPM_BINARY: join(copy, 'no-such-ephpm') });
      expect(wrong.output).toMatch(/EPHPM_BINARY names .*no-such-ephpm, which is not an executable file/);

      // Found: the runtime answers that no server runs.
      expect((await artisan(copy, ['octane:status'], { ...env, EPHPM_BINARY: cliPath })).output).toMatch(
        /Octane server is not running\./,
      );
      const bin = join(tempDir(), 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'ephpm'), `#!/bin/sh\nexec ${process.execPath} ${cliPath} "$@"\n`, { mode: 0o755 });
      expect(
        (await artisan(copy, ['octane:status'], { PATH: `${bin}:${pathWithoutEphpm}`, EPHPM_BINARY: '' })).output,
      ).toMatch(/Octane server is not running\./);
    });

    it('stops with the exception when the app fails to boot in the workers', async () => {
      const copy = appFailingToBoot('! $this->app->runningInConsole()', 'no database for the workers');
      const { code, output } = await artisan(copy, [
        'octane:start',
        '--server=ephpm',
        `--port=${await freePort()}`,
        '--workers=1',
      ]);
      expect(code).toBe(1);
      expect(output).toMatch(
        /PHP Fatal error: {2}Uncaught RuntimeException: no database for the workers in .*AppServiceProvider\.php:\d+/,
      );
      expect(output).not.toMatch(/<!DOCTYPE html>/i);
    });

    it('refuses --watch and points at ephpm dev', async () => {
      const { code, output } = await artisan(app, ['octane:start', '--server=ephpm', '--watch', '--port=1']);
      expect(code).toBe(1);
      expect(output).toMatch(
        /ephpm does not support --watch\. For a server that restarts its workers when your code changes, run: npx ephpm dev/,
      );
    });

    it("installs: OCTANE_SERVER=ephpm in .env, Octane's and ephpm's config published, and the runtime still to install named", async () => {
      const copy = appCopy(app);
      writeFileSync(join(copy, '.env'), readFileSync(join(copy, '.env'), 'utf8').replace(/^OCTANE_SERVER=.*$/m, ''));
      for (const file of ['octane.php', 'ephpm.php']) rmSync(join(copy, 'config', file));
      const { code, output } = await artisan(copy, ['octane:install', '--server=ephpm'], {
        PATH: pathWithoutEphpm,
        EPHPM_BINARY: '',
      });
      expect(code).toBe(0);
      expect(output).toMatch(/Octane installed successfully\./);
      expect(output).toMatch(/One step left: install the ephpm runtime in the app, with: npm install --save-dev ephpm/);
      expect(readFileSync(join(copy, '.env'), 'utf8')).toMatch(/^OCTANE_SERVER=ephpm$/m);
      expect(existsSync(join(copy, 'config', 'octane.php'))).toBe(true);
      expect(readFileSync(join(copy, 'config', 'ephpm.php'), 'utf8')).toMatch(/'binary' => env\('EPHPM_BINARY'\)/);
      expect(readFileSync(join(copy, '.gitignore'), 'utf8')).toMatch(/^\/\.ephpm$/m);
      // OCTANE_SERVER now picks ephpm for every octane:* command.
      expect((await artisan(copy, ['octane:status'], { EPHPM_BINARY: cliPath })).output).toMatch(
        /Octane server is not running\./,
      );
    });
  },
);
