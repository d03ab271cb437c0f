import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { freePort } from '../helpers/octane-server.js';
import { expectWelcomePage, scaffoldedApp, serveWithNpx, type ScaffoldedApp } from '../helpers/scaffold.js';

// `--laravel 12` on PHP 8.2, where Laravel 12's skeleton requires laravel/pint ^1.24 (require-dev) and every pint
// version needs PHP 8.3: the scaffolder makes the app without laravel/pint and says how to add it back. The same
// path from an npm pack tarball as create.test.ts; the app is made once per version of the package's sources.

const skip = octaneUnavailableReason();

describe.skipIf(skip)(
  `npx create-ephpm-laravel my-app --laravel 12 --yes, on PHP 8.2${skip ? ` — SKIPPED: ${skip}` : ''}`,
  () => {
    let made: ScaffoldedApp;
    const file = (path: string) => readFileSync(join(made.app, path), 'utf8');

    beforeAll(async () => {
      made = await scaffoldedApp({ laravel: 12 });
      console.log(
        `create-ephpm-laravel my-app --laravel 12 --yes took ${made.seconds.toFixed(0)} s (on the run that made ${made.app})`,
      );
    }, 900_000);

    it("says it leaves out laravel/pint, why, and how to add it back, in the output and in What's next", () => {
      expect(made.code).toBe(0);
      expect(made.output).toMatch(
        /Laravel 12 installs without laravel\/pint \(laravel\/framework v12\.\d+\.\d+ with laravel\/octane v2\.13\.\d+\)/,
      );
      const leftOut =
        /Laravel 12 app created without laravel\/pint \(laravel\/framework v12\.\d+\.\d+\)\n.*left out laravel\/pint (\^1\.\d+) \(needs PHP 8\.3\+\): on PHP 8\.3\+, composer require --dev laravel\/pint:(\S+)\n/.exec(
          made.output,
        );
      expect(leftOut?.[2]).toBe(leftOut?.[1]);
      expect(made.output).toMatch(
        /5\. Left out laravel\/pint \^1\.\d+ \(needs PHP 8\.3\+\)\. On PHP 8\.3\+:\s*│?\n.*composer require --dev laravel\/pint:\^1\.\d+/,
      );
      expect(made.output).toMatch(/my-app is ready: Laravel 12 on ephpm 0\.1\.0 \(without laravel\/pint\)\./);
    });

    it("installs Laravel 12 and the rest of its skeleton's dev tools, without laravel/pint, with the skeleton's scripts run", () => {
      const installed = (
        JSON.parse(file('vendor/composer/installed.json')) as { packages: Array<{ name: string; version: string }> }
      ).packages;
      expect(installed.find((pkg) => pkg.name === 'laravel/framework')?.version).toMatch(/^v12\.\d+\.\d+$/);
      expect(installed.find((pkg) => pkg.name === 'laravel/pint')).toBeUndefined();
      const composer = JSON.parse(file('composer.json')) as {
        require: Record<string, string>;
        'require-dev': Record<string, string>;
      };
      expect(Object.keys(composer['require-dev']).sort()).toEqual([
        'fakerphp/faker',
        'laravel/pail',
        'laravel/sail',
        'mockery/mockery',
        'nunomaduro/collision',
        'phpunit/phpunit',
      ]);
      expect(composer.require).toMatchObject({
        'laravel/framework': '^12.0',
        'laravel/octane': '^2.13',
        'ephpm/octane-driver': '^0.1.0',
      });
      expect(file('.env')).toMatch(/^APP_KEY=base64:\S+$/m);
      expect(existsSync(join(made.app, 'database', 'database.sqlite'))).toBe(true);
    });

    it('serves the welcome page with npx ephpm serve', async () => {
      const port = await freePort();
      const server = await serveWithNpx(made.app, port);
      try {
        await expectWelcomePage(`http://127.0.0.1:${port}/`);
      } finally {
        await server.ctrlC();
      }
    });
  },
);
