import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { cliPath, tempDir } from '../helpers/ephpm-server.js';
import { changedPaths, copyOf, createEphpmLaravel, fileDigest, runToEnd, skeletonApp } from '../helpers/scaffold.js';

// An app that exists already: `ephpm init` in it, or `create-ephpm-laravel <its dir>`, add ephpm and touch nothing
// else; a second run changes nothing; what is not a Laravel app ephpm supports is refused, naming what was found.

const skip = octaneUnavailableReason();
/** What adding ephpm may change in an app; everything else must stay as it was. */
const EXPECTED_CHANGES = [
  '.env',
  '.env.example',
  '.gitignore',
  'ephpm.toml',
  'package.json',
  'package-lock.json',
  'composer.json',
  'config/octane.php',
  'config/ephpm.php',
  'node_modules',
  'vendor',
  'bootstrap/cache/packages.php',
  'bootstrap/cache/services.php',
];

const composerRequire = (app: string) =>
  (JSON.parse(readFileSync(join(app, 'composer.json'), 'utf8')) as { require: Record<string, string> }).require;
const init = (app: string, args: string[] = []) =>
  runToEnd(process.execPath, [cliPath, 'init', ...args], { cwd: app, timeoutMs: 300_000 });

describe.skipIf(skip)(`ephpm added to an existing Laravel 11 app${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  let skeleton: string;

  beforeAll(() => {
    skeleton = skeletonApp(11);
  }, 600_000);

  for (const [how, add] of [
    ['npx ephpm init in it', (app: string) => init(app)],
    ['create-ephpm-laravel <its dir>', (app: string) => createEphpmLaravel([app, '--yes'], join(app, '..'))],
  ] as const) {
    it(`${how} adds ephpm without touching anything else, and a second run changes nothing`, async () => {
      const app = copyOf(skeleton);
      const before = fileDigest(app);
      const first = await add(app);
      expect(first.code).toBe(0);
      expect(first.output).toMatch(/Changed:/);
      expect(first.output).toMatch(/composer: laravel\/octane, ephpm\/octane-driver/);
      expect(first.output).toMatch(/ephpm added to app \(Laravel v11\.\d+\.\d+\)/);
      expect(changedPaths(before, fileDigest(app)).filter((path) => !EXPECTED_CHANGES.includes(path))).toEqual([]);
      expect(readFileSync(join(app, '.env'), 'utf8')).toMatch(/^OCTANE_SERVER=ephpm$/m);
      expect(readFileSync(join(app, 'config', 'octane.php'), 'utf8')).toContain(
        "'server' => env('OCTANE_SERVER', 'ephpm')",
      );
      expect(existsSync(join(app, 'vendor', 'ephpm', 'octane-driver', 'bin', 'ephpm-worker.php'))).toBe(true);
      expect(composerRequire(app)).toMatchObject({ 'laravel/octane': '^2.13', 'ephpm/octane-driver': '^0.1.0' });

      const settled = fileDigest(app);
      for (const again of [await init(app), await createEphpmLaravel([app, '--yes'], join(app, '..'))]) {
        expect(again.code).toBe(0);
        expect(again.output).toMatch(/Nothing to do: app already runs on ephpm .*Nothing was changed\./);
      }
      expect(changedPaths(settled, fileDigest(app))).toEqual([]);
    }, 600_000);
  }

  it('switches an app from another Octane server, keeping its config/octane.php', async () => {
    const app = copyOf(skeleton);
    writeFileSync(join(app, '.env'), `${readFileSync(join(app, '.env'), 'utf8')}OCTANE_SERVER=swoole\n`);
    mkdirSync(join(app, 'config'), { recursive: true });
    writeFileSync(join(app, 'config', 'octane.php'), "<?php\n\nreturn ['server' => env('OCTANE_SERVER', 'swoole')];\n");
    const { code, output } = await init(app);
    expect(code).toBe(0);
    expect(output).toMatch(/\.env: OCTANE_SERVER=ephpm \(was swoole\)/);
    expect(readFileSync(join(app, 'config', 'octane.php'), 'utf8')).toBe(
      "<?php\n\nreturn ['server' => env('OCTANE_SERVER', 'swoole')];\n",
    );
  }, 600_000);
});

describe.skipIf(skip)(`ephpm added to an existing Laravel 12 app${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  it('npx ephpm init in an app made from the Laravel 12 skeleton less laravel/pint (which needs PHP 8.3) adds ephpm and nothing else', async () => {
    const app = copyOf(skeletonApp(12, ['laravel/pint']));
    const before = fileDigest(app);
    const { code, output } = await init(app);
    expect(code).toBe(0);
    expect(output).toMatch(/composer: laravel\/octane, ephpm\/octane-driver/);
    expect(output).toMatch(/ephpm added to app \(Laravel v12\.\d+\.\d+\)/);
    expect(changedPaths(before, fileDigest(app)).filter((path) => !EXPECTED_CHANGES.includes(path))).toEqual([]);
    expect(composerRequire(app)).toMatchObject({
      'laravel/framework': '^12.0',
      'laravel/octane': '^2.13',
      'ephpm/octane-driver': '^0.1.0',
    });
    expect(readFileSync(join(app, '.env'), 'utf8')).toMatch(/^OCTANE_SERVER=ephpm$/m);
    expect(existsSync(join(app, 'vendor', 'ephpm', 'octane-driver', 'bin', 'ephpm-worker.php'))).toBe(true);
  }, 600_000);
});

describe('what is refused, naming what was found', () => {
  it('a directory that is not a Laravel app, by ephpm init and by create-ephpm-laravel', async () => {
    const dir = join(tempDir(), 'site');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'index.php'), '<?php echo "hi";\n');
    writeFileSync(join(dir, 'README.md'), '# a site\n');
    const before = fileDigest(dir);
    for (const result of [await init(dir), await createEphpmLaravel([dir, '--yes'], join(dir, '..'))]) {
      expect(result.code).toBe(1);
      expect(result.output).toContain(
        `${dir} is not a Laravel app (no artisan file); it holds: README.md, index.php, src.`,
      );
      expect(result.output).toMatch(
        /try: Name a new \(or empty\) directory to create a Laravel app there, or an existing Laravel app\./,
      );
    }
    expect(changedPaths(before, fileDigest(dir))).toEqual([]);
  });

  it('a Laravel or Octane version the driver does not support, and an app whose Composer packages are not installed', async () => {
    // Laravel 10's packages are not in this machine's Packagist copy: an 11 app whose vendor/ says laravel/framework 10.
    const app = copyOf(skeletonApp(11));
    const installed = join(app, 'vendor', 'composer', 'installed.json');
    writeFileSync(
      installed,
      readFileSync(installed, 'utf8').replace(
        /("name": "laravel\/framework",\s*"version": )"v11\.[\d.]+"/,
        '$1"v10.48.29"',
      ),
    );
    const before = fileDigest(app);
    const old = await init(app);
    expect(old.code).toBe(1);
    expect(old.output).toContain(
      `${app} is a Laravel 10 app (laravel/framework v10.48.29); ephpm's Octane driver supports laravel/framework ^11.0|^12.0.`,
    );
    expect(old.output).toMatch(
      /try: Upgrade the app \(https:\/\/laravel\.com\/docs\/upgrade\), or create a new one: npx create-ephpm-laravel <new-dir>/,
    );
    expect(changedPaths(before, fileDigest(app))).toEqual([]);

    writeFileSync(
      installed,
      readFileSync(installed, 'utf8')
        .replace('"v10.48.29"', '"v11.57.1"')
        .replace('"packages": [', '"packages": [{"name": "laravel/octane", "version": "v1.5.6"},'),
    );
    const oldOctane = await createEphpmLaravel([app, '--yes'], join(app, '..'));
    expect(oldOctane.code).toBe(1);
    expect(oldOctane.output).toContain(
      `${app} has laravel/octane v1.5.6; ephpm's Octane driver needs laravel/octane ^2.13.`,
    );
    expect(oldOctane.output).toContain('try: Upgrade it in the app: composer require laravel/octane:"^2.13"');

    rmSync(join(app, 'vendor'), { recursive: true });
    const uninstalled = await createEphpmLaravel([app, '--yes'], join(app, '..'));
    expect(uninstalled.code).toBe(1);
    expect(uninstalled.output).toContain(
      `${app} is a Laravel app whose Composer packages are not installed (no vendor/).`,
    );
    expect(uninstalled.output).toContain(`try: Install them first: cd ${app} && composer install`);
  }, 600_000);

  it('--laravel 13 and --laravel 10, which the driver does not support: one line saying what they need, before anything is made', async () => {
    const cwd = tempDir();
    const thirteen = await createEphpmLaravel(['shop', '--laravel', '13', '--yes'], cwd);
    expect(thirteen.code).toBe(1);
    const printed = (output: string) => output.split('\n').filter((line) => line.trim() !== '');
    expect(printed(thirteen.output)).toEqual([
      expect.stringMatching(/^┌ {2}create-ephpm-laravel /),
      expect.stringMatching(
        /^└ {2}Laravel 13 is not supported by ephpm's Octane driver \(laravel\/framework \^11\.0\|\^12\.0\); Laravel 13 needs PHP 8\.3\+ \(this is PHP 8\.2\.\d+\)\. Use --laravel 12 or --laravel 11\.$/,
      ),
    ]);
    const ten = await createEphpmLaravel(['shop', '--laravel', '10', '--yes'], cwd);
    expect(ten.code).toBe(1);
    expect(printed(ten.output)).toEqual([
      expect.stringMatching(/^┌ {2}create-ephpm-laravel /),
      "└  Laravel 10 is not supported by ephpm's Octane driver (laravel/framework ^11.0|^12.0). Use --laravel 12 or --laravel 11.",
    ]);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('ephpm init where there is no app', async () => {
    const { code, output } = await init(tempDir());
    expect(code).toBe(1);
    expect(output).toMatch(/is empty: there is no Laravel app to add ephpm to\./);
    expect(output).toMatch(/try: Create one that runs on ephpm: npx create-ephpm-laravel \./);
  });

  it('create-ephpm-laravel with a flag it does not know, or a database it does not offer', async () => {
    const unknown = await createEphpmLaravel(['my-app', '--databse', 'mysql'], tempDir());
    expect(unknown.code).toBe(1);
    expect(unknown.output).toMatch(/create-ephpm-laravel: Unknown option '--databse'/);
    expect(unknown.output).toMatch(/Usage: npx create-ephpm-laravel \[dir\] \[options\]/);
    const database = await createEphpmLaravel(['my-app', '--database', 'oracle'], tempDir());
    expect(database.output).toMatch(/--database is one of sqlite, mysql, mariadb, pgsql, sqlsrv; got oracle/);
  });
});
