import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../src/runtime/config/config.js';
import {
  ephpmToml,
  withDatabase,
  withEphpmScripts,
  withEphpmServerDefault,
  withExampleSettings,
  withInstallScriptAllowed,
  withOctaneServer,
  withStateDirIgnored,
} from '../../src/scaffold/app-files.js';
import { whatsNext } from '../../src/scaffold/next-steps.js';
import { parseFlags } from '../../src/scaffold/options.js';
import { tempDir } from '../helpers/ephpm-server.js';

// What the scaffolder writes into an app; each change is made once (a second run finds it there).

const LARAVEL_ENV =
  'APP_NAME=Laravel\nAPP_KEY=\n\nDB_CONNECTION=sqlite\n# DB_HOST=127.0.0.1\n# DB_PORT=3306\n# DB_DATABASE=laravel\n# DB_USERNAME=root\n# DB_PASSWORD=\n\nSESSION_DRIVER=database\n';

function validIn(toml: string): ReturnType<typeof resolveServerConfig> {
  const app = tempDir('ephpm-toml-');
  mkdirSync(join(app, 'public'));
  writeFileSync(join(app, 'ephpm.toml'), toml);
  return resolveServerConfig({ root: app }, app, false);
}

describe('the files create-ephpm-laravel writes', () => {
  it('ephpm.toml: every setting commented out at its default, a valid file; with the example, its task workers, tick and table', () => {
    expect(validIn(ephpmToml({ example: false }))).toMatchObject({
      port: 8000,
      taskWorkers: 0,
      tick: false,
      tables: [],
    });
    expect(validIn(ephpmToml({ example: true }))).toMatchObject({
      taskWorkers: 2,
      tick: true,
      tables: [{ name: 'example', rows: 1000 }],
    });
  });

  it('the example joins an ephpm.toml without [server] or [tables] of its own, once', () => {
    const once = withExampleSettings(ephpmToml({ example: false }));
    expect(withExampleSettings(once)).toBe(once);
    expect(validIn(once).tick).toBe(true);
    const own = '[server]\nworkers = 2\n';
    expect(withExampleSettings(own)).toBe(own);
  });

  it('.env: OCTANE_SERVER=ephpm added, or replacing another server', () => {
    expect(withOctaneServer(LARAVEL_ENV)).toBe(`${LARAVEL_ENV}\nOCTANE_SERVER=ephpm\n`);
    expect(withOctaneServer('A=1\nOCTANE_SERVER=swoole\nB=2\n')).toBe('A=1\nOCTANE_SERVER=ephpm\nB=2\n');
    expect(withOctaneServer(withOctaneServer(LARAVEL_ENV))).toBe(withOctaneServer(LARAVEL_ENV));
  });

  it('.env for another database than SQLite, as the Laravel installer sets it', () => {
    expect(withDatabase(LARAVEL_ENV, 'sqlite', 'shop')).toBe(LARAVEL_ENV);
    expect(
      withDatabase(LARAVEL_ENV, 'pgsql', 'My Shop')
        .split('\n')
        .filter((line) => line.startsWith('DB_')),
    ).toMatchInlineSnapshot(`
      [
        "DB_CONNECTION=pgsql",
        "DB_HOST=127.0.0.1",
        "DB_PORT=5432",
        "DB_DATABASE=my_shop",
        "DB_USERNAME=root",
        "DB_PASSWORD=",
      ]
    `);
    expect(withDatabase(LARAVEL_ENV, 'mysql', 'shop')).toMatch(
      /^DB_CONNECTION=mysql\nDB_HOST=127\.0\.0\.1\nDB_PORT=3306\nDB_DATABASE=shop\n/m,
    );
  });

  it('config/octane.php: ephpm as the server when OCTANE_SERVER is not set', () => {
    expect(withEphpmServerDefault("    'server' => env('OCTANE_SERVER', 'roadrunner'),\n")).toBe(
      "    'server' => env('OCTANE_SERVER', 'ephpm'),\n",
    );
  });

  it('package.json: serve and dev scripts, or ephpm:dev where Vite has dev; npm allowed to run the install script', () => {
    const laravel = { private: true, scripts: { build: 'vite build', dev: 'vite' } };
    const once = withInstallScriptAllowed(withEphpmScripts(laravel), 'file:/tmp/ephpm-0.1.0.tgz');
    expect([once.scripts, once.allowScripts]).toEqual([
      { ...laravel.scripts, serve: 'ephpm serve', 'ephpm:dev': 'ephpm dev' },
      { 'file:/tmp/ephpm-0.1.0.tgz': true },
    ]);
    expect(withInstallScriptAllowed(withEphpmScripts(once), 'file:/tmp/ephpm-0.1.0.tgz')).toEqual(once);
    expect(withEphpmScripts({}).scripts).toEqual({ serve: 'ephpm serve', dev: 'ephpm dev' });
  });

  it(".gitignore: the runtime's state directory, once", () => {
    expect(withStateDirIgnored('/vendor\n.env')).toBe('/vendor\n.env\n/.ephpm/\n');
    expect(withStateDirIgnored('/vendor\n/.ephpm\n')).toBe('/vendor\n/.ephpm\n');
  });

  it("what's next: numbered, with what is left to do first", () => {
    expect(
      whatsNext({
        dir: '/work/shop',
        cwd: '/work',
        database: 'mysql',
        example: true,
        warnings: ['The ephpm runtime is not built: …\nthen, in the app: npx ephpm runtime:build'],
      }),
    ).toMatchInlineSnapshot(`
      "1. cd shop
      2. The ephpm runtime is not built: …
         then, in the app: npx ephpm runtime:build
      3. Set DB_HOST, DB_DATABASE, DB_USERNAME and DB_PASSWORD in .env, then: php artisan migrate
      4. npx ephpm serve   (or: php artisan octane:start)
         then open http://127.0.0.1:8000 and http://127.0.0.1:8000/ephpm-example
      5. npx ephpm dev     serves, and restarts the workers when code changes
      6. npx ephpm doctor  checks PHP, the runtime and the app"
    `);
  });
});

describe("create-ephpm-laravel's flags", () => {
  it('each flag answers its question; --yes asks nothing', () => {
    expect(parseFlags(['shop', '--laravel', '11', '--database', 'PGSQL', '--no-example', '-y'])).toEqual({
      dir: 'shop',
      laravel: 11,
      database: 'pgsql',
      example: false,
      yes: true,
      help: false,
    });
    expect(parseFlags([])).toEqual({
      dir: undefined,
      laravel: undefined,
      database: undefined,
      example: undefined,
      yes: false,
      help: false,
    });
    expect(parseFlags(['--laravel', '12.x']).laravel).toBe(12);
  });

  it('refuses what it cannot use, saying why', () => {
    expect(() => parseFlags(['--laravel', 'latest'])).toThrow('--laravel takes a major version such as 11; got latest');
    expect(() => parseFlags(['a', 'b'])).toThrow('one directory at most; got a, b');
    expect(() => parseFlags(['--example', '--no-example'])).toThrow('--example and --no-example together');
    expect(() => parseFlags(['--databse', 'x'])).toThrow(/Unknown option '--databse'/);
  });
});
