import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { freePort, startOctane } from '../helpers/octane-server.js';
import {
  changedPaths,
  expectWelcomePage,
  fileDigest,
  runToEnd,
  scaffoldedApp,
  serveWithNpx,
  type ScaffoldedApp,
} from '../helpers/scaffold.js';

// The whole path from npm to a running app, on a tarball made by `npm pack` (a file missing from the package fails
// here): `npx --package <tarball> create-ephpm-laravel my-app --yes` in an empty folder. The app is made once per
// version of the package's sources and kept in .cache/ (test/helpers/scaffold.ts).

const skip = octaneUnavailableReason();

describe.skipIf(skip)(
  `npx create-ephpm-laravel my-app --yes, from an npm pack tarball${skip ? ` — SKIPPED: ${skip}` : ''}`,
  () => {
    let made: ScaffoldedApp;
    const file = (path: string) => readFileSync(join(made.app, path), 'utf8');

    beforeAll(async () => {
      made = await scaffoldedApp();
      console.log(
        `create-ephpm-laravel my-app --yes took ${made.seconds.toFixed(0)} s (on the run that made ${made.app})`,
      );
    }, 900_000);

    it('creates the app with the newest Laravel that installs as it is, says why not the newer one, and ends with what to do next', () => {
      expect(made.code).toBe(0);
      expect(made.output).toMatch(
        /Laravel 11 installs as it is \(laravel\/framework v11\.\d+\.\d+ with laravel\/octane v2\.13\.\d+\)\n.*Laravel 12's skeleton needs laravel\/pint \^1\.\d+, which needs PHP 8\.3\+ \(--laravel 12 makes it without laravel\/pint\)\n/,
      );
      expect(made.output).toMatch(/Laravel 11 app created \(laravel\/framework v11\.\d+\.\d+\)/);
      expect(made.output).not.toMatch(/left out/i);
      expect(made.output).toMatch(/1\. cd my-app\s.*\n.*2\. npx ephpm serve\s+\(or: php artisan octane:start\)/);
      expect(made.output).toMatch(/4\. npx ephpm doctor/);
      expect(made.output).not.toMatch(/5\. /);
      expect(made.output).toMatch(/my-app is ready: Laravel 11 on ephpm 0\.1\.0\.$/m);
      expect(JSON.parse(file('composer.json')).require).toMatchObject({
        'laravel/octane': '^2.13',
        'ephpm/octane-driver': '^0.1.0',
      });
    });

    it("builds the addon during npm install (ephpm's install script), against the PHP found, and says so in one line", () => {
      expect(made.output).toMatch(
        /its native addon built against PHP 8\.\d+\.\d+ \(\/\S+libphp[\d.]*\.so\) in [\d.]+s/,
      );
      expect(
        readFileSync(join(made.app, 'node_modules', 'ephpm', 'native', 'build', 'ephpm.node')).length,
      ).toBeGreaterThan(0);
    });

    it('serves the welcome page with npx ephpm serve', async () => {
      const port = await freePort();
      const server = await serveWithNpx(made.app, port);
      try {
        await expectWelcomePage(`http://127.0.0.1:${port}/`);
      } finally {
        await server.ctrlC();
      }
      expect(server.output()).toMatch(/ephpm stopped/);
    });

    it('serves it with php artisan octane:start --server=ephpm', async () => {
      const server = await startOctane(made.app, ['--workers=1']);
      try {
        await expectWelcomePage(`${server.url}/`);
      } finally {
        await server.stop();
      }
    });

    it('is all green in npx ephpm doctor --json', async () => {
      const { code, output } = await runToEnd(
        'npx',
        ['ephpm', 'doctor', '--json', '--port', String(await freePort())],
        { cwd: made.app, timeoutMs: 120_000 },
      );
      const report = JSON.parse(output) as { ok: boolean; checks: Array<{ name: string; status: string }> };
      expect(report.checks.filter((check) => check.status !== 'ok')).toEqual([]);
      expect(report.checks.map((check) => check.name)).toEqual(
        expect.arrayContaining([
          'octane.server',
          'APP_KEY',
          'octane.tables',
          'config cache',
          'storage/ and bootstrap/cache writable',
          'memory_limit',
        ]),
      );
      expect([code, report.ok]).toEqual([0, true]);
    });

    it('reports nothing to do on a second run, and changes nothing', async () => {
      const before = fileDigest(made.app);
      const again = await runToEnd('npx', ['--package', made.tarball, 'create-ephpm-laravel', 'my-app', '--yes'], {
        cwd: join(made.app, '..'),
        timeoutMs: 300_000,
      });
      expect(again.code).toBe(0);
      expect(again.output).toMatch(
        /Nothing to do: my-app already runs on ephpm \(laravel\/octane v2\.13\.\d+, ephpm\/octane-driver 0\.1\.0, OCTANE_SERVER=ephpm, ephpm\.toml\)\. Nothing was changed\./,
      );
      const init = await runToEnd('npx', ['ephpm', 'init'], { cwd: made.app, timeoutMs: 120_000 });
      expect(init.output).toMatch(/Nothing to do: my-app already runs on ephpm/);
      expect(changedPaths(before, fileDigest(made.app))).toEqual([]);
    });

    it('writes ephpm.toml, OCTANE_SERVER, the server in config/octane.php, package.json and .gitignore as expected', async () => {
      await expect(file('ephpm.toml')).toMatchFileSnapshot('__snapshots__/my-app/ephpm.toml');
      expect(
        file('.env')
          .split('\n')
          .filter((line) => line.startsWith('OCTANE_')),
      ).toEqual(['OCTANE_SERVER=ephpm']);
      expect(
        file('.env.example')
          .split('\n')
          .filter((line) => line.startsWith('OCTANE_')),
      ).toEqual(['OCTANE_SERVER=ephpm']);
      expect(
        file('config/octane.php')
          .split('\n')
          .filter((line) => line.includes("'server'")),
      ).toEqual(["    'server' => env('OCTANE_SERVER', 'ephpm'),"]);
      const pkg = JSON.parse(file('package.json')) as {
        scripts: Record<string, string>;
        devDependencies: Record<string, string>;
        allowScripts: Record<string, boolean>;
      };
      expect({
        scripts: pkg.scripts,
        ephpm: pkg.devDependencies.ephpm
          ?.replace(/[^/:]+\/(?=.*ephpm-tarball)/g, '…/')
          .replace(/ephpm-tarball-\w+/, 'ephpm-tarball-<key>'),
        allowScripts: Object.fromEntries(
          Object.entries(pkg.allowScripts).map(([key, value]) => [key.replace(/^file:.*\//, 'file:…/'), value]),
        ),
      }).toMatchInlineSnapshot(`
      {
        "allowScripts": {
          "file:…/ephpm-0.1.0.tgz": true,
        },
        "ephpm": "file:…/…/…/ephpm-tarball-<key>/ephpm-0.1.0.tgz",
        "scripts": {
          "build": "vite build",
          "dev": "vite",
          "ephpm:dev": "ephpm dev",
          "serve": "ephpm serve",
        },
      }
    `);
      expect(file('.gitignore').trimEnd().split('\n').at(-1)).toBe('/.ephpm/');
      expect(JSON.parse(file('composer.json')).repositories).toEqual({
        ephpm: { type: 'path', url: 'node_modules/ephpm/composer-package' },
      });
    });
  },
);
