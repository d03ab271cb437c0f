import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, runCli, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { serverStatus as status } from '../helpers/status.js';
import { waitFor } from '../helpers/wait-for.js';

const restarted = (files: string) => new RegExp(`↻ ${files} changed — workers restarted in \\d+ ms`);
const RESTART_LINE = /↻ .* changed — workers restarted in \d+ ms/g;

/** A fresh copy of test/fixtures/dev-app: a worker script that boots app/ and routes/. */
function appCopy(): string {
  const app = tempDir('ephpm-dev-app-');
  cpSync(fixture('dev-app'), app, { recursive: true });
  return app;
}

function edit(app: string, file: string, from: string, to: string): void {
  const path = join(app, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
  writeFileSync(path, text.replace(from, to));
}

async function get(url: string, init?: RequestInit): Promise<string> {
  const response = await fetch(url, init);
  return `${response.status} ${await response.text()}`;
}

async function startDev(app: string, args: string[] = []): Promise<RunningServer> {
  const server = await startServer(['--root', app, ...args], { command: 'dev' });
  await server.waitFor(/watching .* for changes/);
  return server;
}

describe('ephpm dev', () => {
  it('serves edited code after restarting the workers by itself, ignores what is not the app, and exits 0 on Ctrl-C', async () => {
    const app = appCopy();
    const server = await startDev(app);
    try {
      expect(server.output()).toMatch(
        /watching app, bootstrap, config, database, public\/\*\*\/\*\.php, resources\/\*\*\/\*\.php, routes, composer\.lock, \.env, worker\.php for changes/,
      );
      expect(await get(server.url)).toBe('200 hello from routes v1\n');

      // None of these restarts anything; the route edit after them restarts on its own.
      mkdirSync(join(app, 'vendor', 'acme'), { recursive: true });
      writeFileSync(join(app, 'vendor', 'acme', 'Package.php'), '<?php');
      writeFileSync(join(app, 'storage', 'laravel.log'), 'a log line');
      writeFileSync(join(app, 'README.md'), '# notes');
      writeFileSync(join(app, 'routes', '.web.php.swp'), 'vim swap');
      let from = server.output().length;
      edit(app, 'routes/web.php', 'routes v1', 'routes v2');
      await server.waitFor(restarted('routes/web\\.php'), from);
      expect(await get(server.url)).toBe('200 hello from routes v2\n');

      from = server.output().length;
      edit(app, 'app/Greeting.php', "'hello'", "'hi'");
      await server.waitFor(restarted('app/Greeting\\.php'), from);
      expect(await get(server.url)).toBe('200 hi from routes v2\n');

      from = server.output().length;
      edit(app, 'worker.php', 'no route for', 'nothing at');
      await server.waitFor(restarted('worker\\.php'), from);
      expect(await get(`${server.url}/missing`)).toBe('404 nothing at /missing\n');

      expect(server.output().match(RESTART_LINE)).toHaveLength(3);
    } finally {
      expect(await server.stop('SIGINT')).toBe(0);
    }
    expect(server.output()).toMatch(/stopped/);
    expect(existsSync(server.stateFile)).toBe(false);
  });

  it('the first request after the restart line gets the new code: no connection stays with an old worker', async () => {
    const app = appCopy();
    const server = await startDev(app, ['--workers', '2']);
    try {
      // fetch keeps connections open for reuse where the server allows it, as browsers do.
      expect(await get(server.url)).toBe('200 hello from routes v1\n');
      const from = server.output().length;
      edit(app, 'routes/web.php', 'routes v1', 'routes v2');
      await server.waitFor(restarted('routes/web\\.php'), from);
      expect(await get(server.url)).toBe('200 hello from routes v2\n');
    } finally {
      await server.stop();
    }
  });

  it('prints the PHP error of code that fails to boot, keeps serving the last good code, and waits for the next change', async () => {
    const app = appCopy();
    const server = await startDev(app);
    try {
      let from = server.output().length;
      edit(app, 'routes/web.php', "'/' => fn", "'/' => fn fn");
      const failure = await server.waitFor(
        /✖ routes\/web\.php changed — the new code failed to boot:\n\s+(PHP Parse error: .*)\n\s+still serving the previous code/,
        from,
      );
      expect(failure[1]).toMatch(/syntax error, .* in \S+routes\/web\.php on line 6/);
      expect(
        server
          .output()
          .slice(from)
          .match(/syntax error/g),
        'the error is printed once, in the ✖ block',
      ).toHaveLength(1);
      expect(await get(server.url)).toBe('200 hello from routes v1\n');

      from = server.output().length;
      edit(app, 'routes/web.php', "'/' => fn fn", "'/' => fn");
      edit(app, 'routes/web.php', 'routes v1', 'routes v2');
      await server.waitFor(restarted('routes/web\\.php'), from);
      expect(await get(server.url)).toBe('200 hello from routes v2\n');
      // One replacement took over; the broken code was tried once and never again on its own.
      expect((await status(server)).workers.map((w) => [w.state, w.restarts])).toEqual([['serving', 1]]);

      from = server.output().length;
      writeFileSync(join(app, 'app', 'Greeting.php'), "<?php\nthrow new RuntimeException('the greeting is broken');\n");
      await server.waitFor(
        /✖ app\/Greeting\.php changed — the new code failed to boot:\n\s+PHP Fatal error: +Uncaught RuntimeException: the greeting is broken/,
        from,
      );
      expect(await get(server.url)).toBe('200 hello from routes v2\n');
    } finally {
      await server.stop();
    }
  });

  it('starts on code that fails to boot: prints the error once, answers 503 with it meanwhile, and serves once a change fixes the code', async () => {
    const app = appCopy();
    edit(app, 'routes/web.php', "'/' => fn", "'/' => fn fn");
    const server = await startDev(app, ['--workers', '2']);
    try {
      const failure = await server.waitFor(
        /✖ the app failed to boot:\n\s+(PHP Parse error: .*)\n\s+requests get a 503 that shows this error until a change fixes the code/,
      );
      expect(failure[1]).toMatch(/syntax error, .* in \S+routes\/web\.php on line 6/);
      expect(server.output().match(/syntax error/g), 'the error is printed once, in the ✖ block').toHaveLength(1);
      let page = await fetch(server.url);
      expect(page.status).toBe(503);
      expect(await page.text()).toContain(failure[1]);
      expect((await status(server)).workers.map((w) => w.state)).toEqual(['boot-error', 'boot-error']);

      // Still broken, another way: every worker's page shows the new error.
      let from = server.output().length;
      writeFileSync(join(app, 'app', 'Greeting.php'), "<?php\nthrow new RuntimeException('the greeting is broken');\n");
      await server.waitFor(
        /✖ app\/Greeting\.php changed — the new code failed to boot:\n\s+PHP Fatal error: +Uncaught RuntimeException: the greeting is broken[^]*requests get a 503 that shows this error/,
        from,
      );
      for (let i = 0; i < 4; i++) {
        page = await fetch(server.url);
        expect(`${page.status} ${await page.text()}`).toMatch(
          /^503 [^]*Uncaught RuntimeException: the greeting is broken/,
        );
      }

      from = server.output().length;
      cpSync(fixture('dev-app', 'app', 'Greeting.php'), join(app, 'app', 'Greeting.php'));
      edit(app, 'routes/web.php', "'/' => fn fn", "'/' => fn");
      await server.waitFor(/↻ .* changed — workers restarted in \d+ ms/, from);
      expect(await get(server.url)).toBe('200 hello from routes v1\n');
      expect((await status(server)).workers.map((w) => w.state)).toEqual(['serving', 'serving']);
      expect((await runCli(['stop', '--state-file', server.stateFile])).code).toBe(0);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('starts the task workers with the first code that boots, when it started on code that does not', async () => {
    const app = tempDir('ephpm-dev-tasks-');
    const good = readFileSync(fixture('workers', 'tasks.php'), 'utf8');
    cpSync(fixture('workers', 'json.php'), join(app, 'json.php'));
    writeFileSync(join(app, 'worker.php'), `${good}\nsyntax error here\n`);
    const server = await startDev(app, ['--worker', join(app, 'worker.php'), '--workers', '1', '--task-workers', '1']);
    try {
      await server.waitFor(/✖ the app failed to boot:\n\s+PHP Parse error: +syntax error/);
      expect((await status(server)).taskWorkers).toEqual([]);
      const from = server.output().length;
      writeFileSync(join(app, 'worker.php'), good);
      await server.waitFor(restarted('worker\\.php'), from);
      const response = await fetch(`${server.url}/run`, { method: 'POST', body: '{"tasks":{"a":{"op":"role"}}}' });
      expect(await response.json()).toMatchObject({ results: { a: { ok: 'task' } } });
      expect((await status(server)).taskWorkers.map((w) => [w.role, w.state])).toEqual([['task', 'running']]);
    } finally {
      await server.stop();
    }
  });

  it('ephpm reload restarts as a change does: code that fails to boot is reported once and never retried', async () => {
    const app = appCopy();
    writeFileSync(
      join(app, 'ephpm.toml'),
      '[server]\nworker = "worker.php"\nworkers = 1\n\n[dev]\nwatch = ["routes"]\n',
    );
    const server = await startDev(app);
    const boots = () => readdirSync(join(app, 'storage')).filter((name) => name.startsWith('booting-')).length;
    try {
      const from = server.output().length;
      // app/ is not watched here: only `ephpm reload` picks this up.
      writeFileSync(join(app, 'app', 'Greeting.php'), "<?php\nthrow new RuntimeException('the greeting is broken');\n");
      const failed = await runCli(['reload', '--state-file', server.stateFile]);
      expect(failed.code).toBe(1);
      expect(failed.output).toMatch(
        /The new code failed to boot:\n.*Uncaught RuntimeException: the greeting is broken/,
      );
      expect(failed.output).toMatch(/try: Fix the code: ephpm dev tries again on the next change/);
      await server.waitFor(
        /✖ ephpm reload — the new code failed to boot:\n\s+PHP Fatal error: +Uncaught RuntimeException: the greeting is broken[^]*still serving the previous code/,
        from,
      );
      expect(await get(server.url)).toBe('200 hello from routes v1\n');

      cpSync(fixture('dev-app', 'app', 'Greeting.php'), join(app, 'app', 'Greeting.php'));
      const reloaded = await runCli(['reload', '--state-file', server.stateFile]);
      expect(reloaded.output).toMatch(/✔ reloaded 1 worker process/);
      await server.waitFor(/↻ ephpm reload — workers restarted in \d+ ms/, from);
      // Booted three times: at start, the broken code once, the fixed code. serve would have retried the broken code.
      expect(boots()).toBe(3);
      expect(
        server
          .output()
          .slice(from)
          .match(/the greeting is broken/g),
      ).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });

  it('says that a change to ephpm.toml needs a new start, and whether the file is still valid, without restarting', async () => {
    const app = appCopy();
    const server = await startDev(app);
    try {
      const from = server.output().length;
      writeFileSync(join(app, 'ephpm.toml'), '[server]\nworker = "worker.php"\nworkers = 2\n');
      await server.waitFor(/⚠ ephpm\.toml changed — stop and start ephpm dev again to apply it/, from);
      writeFileSync(join(app, 'ephpm.toml'), '[server]\nworker = "worker.php"\nworkerz = 2\n');
      await server.waitFor(
        /⚠ ephpm\.toml changed and is not valid:\n\s+.*unknown setting server\.workerz[^]*fix it, then stop and start ephpm dev again/,
        from,
      );
      edit(app, 'routes/web.php', 'routes v1', 'routes v2');
      await server.waitFor(restarted('routes/web\\.php'), from);
      expect(server.output().slice(from).match(RESTART_LINE)).toHaveLength(1);
      expect(await get(server.url)).toBe('200 hello from routes v2\n');
    } finally {
      await server.stop();
    }
  });

  it('restarts for a file rewritten without pause, instead of waiting for a quiet moment that never comes', async () => {
    const app = appCopy();
    writeFileSync(
      join(app, 'ephpm.toml'),
      '[server]\nworker = "worker.php"\nworkers = 1\n\n[dev]\ndebounce_ms = 1000\n',
    );
    const server = await startDev(app);
    const routes = join(app, 'routes', 'web.php');
    const original = readFileSync(routes, 'utf8');
    let writing = true;
    let version = 1;
    // Like a build tool in watch mode: a new version every 50 ms, each written whole (temp file + rename).
    const writer = (async () => {
      while (writing) {
        version++;
        writeFileSync(join(app, 'storage', 'web.php.tmp'), original.replace('routes v1', `routes v${version}`));
        renameSync(join(app, 'storage', 'web.php.tmp'), routes);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      const from = server.output().length;
      await server.waitFor(restarted('routes/web\\.php'), from, 20_000);
      expect(await get(server.url)).toMatch(/^200 hello from routes v(?!1\n)\d+\n$/);
    } finally {
      writing = false;
      await writer;
      await server.stop();
    }
  });

  it('restarts once for a burst of writes, and once more for a change made during a restart', async () => {
    const app = appCopy();
    const storage = join(app, 'storage');
    const server = await startDev(app);
    try {
      let from = server.output().length;
      edit(app, 'app/Greeting.php', "'hello'", "'hey'");
      edit(app, 'routes/web.php', 'routes v1', 'routes v2');
      mkdirSync(join(app, 'config'));
      writeFileSync(join(app, 'config', 'app.php'), '<?php\nreturn [];\n');
      const burst = await server.waitFor(/↻ (.*) changed — workers restarted in \d+ ms/, from);
      expect(burst[1]!.split(/, | and /).sort()).toEqual(['app/Greeting.php', 'config/app.php', 'routes/web.php']);
      expect(await get(server.url)).toBe('200 hey from routes v2\n');

      // Hold the next restart in the new worker's boot, and change a file meanwhile.
      writeFileSync(join(storage, 'hold-boot'), '');
      const booting = () => readdirSync(storage).filter((name) => name.startsWith('booting-')).length;
      const booted = booting();
      from = server.output().length;
      edit(app, 'routes/web.php', 'routes v2', 'routes v3');
      await waitFor(() => booting() > booted, 'the new worker to start booting');
      edit(app, 'routes/web.php', 'routes v3', 'routes v4');
      await server.waitFor(/↻ routes\/web\.php changed during a restart — restarting again once it is done/, from);
      expect((await status(server)).workers.map((w) => w.state).sort()).toEqual(['serving', 'starting']);
      rmSync(join(storage, 'hold-boot'));
      await server.waitFor(
        new RegExp(`${restarted('routes/web\\.php').source}[^]*${restarted('routes/web\\.php').source}`),
        from,
      );
      expect(await get(server.url)).toBe('200 hey from routes v4\n');

      expect(server.output().match(RESTART_LINE)).toHaveLength(3);
      expect((await status(server)).workers.map((w) => [w.state, w.restarts])).toEqual([['serving', 3]]);
    } finally {
      await server.stop();
    }
  });

  it('requests in flight finish on the old code and none fails while the workers restart', async () => {
    const app = appCopy();
    const signals = tempDir('ephpm-dev-signals-');
    const server = await startDev(app, ['--workers', '2']);
    try {
      const held = fetch(`${server.url}/hold?started=${signals}/started&release=${signals}/release`);
      await waitFor(() => existsSync(join(signals, 'started')), 'the held request to reach PHP');

      let loading = true;
      const failures: string[] = [];
      let answered = 0;
      const load = Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 20_000 && loading; i++) {
          try {
            const response = await fetch(server.url);
            const body = await response.text();
            if (response.status === 200) answered++;
            else failures.push(`${response.status} ${body}`);
          } catch (error) {
            failures.push(String((error as Error).cause ?? error));
          }
        }
      });

      const from = server.output().length;
      edit(app, 'routes/web.php', 'routes v1', 'routes v2');
      await server.waitFor(restarted('routes/web\\.php'), from);
      expect(await get(server.url)).toBe('200 hello from routes v2\n');

      writeFileSync(join(signals, 'release'), '');
      const response = await held;
      expect(`${response.status} ${await response.text()}`).toBe('200 held v1\n');
      loading = false;
      await Promise.all(load);
      expect(failures).toEqual([]);
      expect(answered).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
  });

  it('--poll watches by polling, and status and stop work against a dev server', async () => {
    const app = appCopy();
    const server = await startDev(app, ['--poll']);
    try {
      expect(server.output()).toMatch(/for changes \(polling every \d+ ms\)/);
      const from = server.output().length;
      edit(app, 'routes/web.php', 'routes v1', 'routes v2');
      await server.waitFor(restarted('routes/web\\.php'), from);
      expect(await get(server.url)).toBe('200 hello from routes v2\n');

      expect((await status(server)).workers.map((w) => w.state)).toEqual(['serving']);
      const stop = await runCli(['stop', '--state-file', server.stateFile]);
      expect(stop.code).toBe(0);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('reports restarts as JSON lines with --log-format json', async () => {
    const app = appCopy();
    const server = await startServer(['--root', app, '--log-format', 'json', '--no-access-log'], { command: 'dev' });
    try {
      const watching = await server.waitFor(/^\{"type":"dev-watching".*\}$/m);
      expect(JSON.parse(watching[0])).toMatchObject({
        poll: false,
        paths: expect.arrayContaining(['app', 'routes', 'worker.php']),
      });
      const from = server.output().length;
      edit(app, 'routes/web.php', 'routes v1', 'routes v2');
      const line = await server.waitFor(/^\{"type":"dev-restart".*\}$/m, from);
      expect(JSON.parse(line[0])).toMatchObject({ files: ['routes/web.php'], durationMs: expect.any(Number) });
    } finally {
      await server.stop();
    }
  });

  it('watches what [dev] in ephpm.toml lists, minus its ignore list', async () => {
    const app = appCopy();
    writeFileSync(
      join(app, 'ephpm.toml'),
      '[server]\nworker = "worker.php"\nworkers = 1\n\n[dev]\nwatch = ["routes/*.php", "templates"]\nignore = ["templates/cache"]\ndebounce_ms = 50\n',
    );
    mkdirSync(join(app, 'templates', 'cache'), { recursive: true });
    const server = await startDev(app);
    try {
      expect(server.output()).toMatch(/watching routes\/\*\.php, templates, worker\.php for changes/);
      const from = server.output().length;
      writeFileSync(join(app, 'templates', 'cache', 'compiled.php'), '<?php');
      edit(app, 'app/Greeting.php', "'hello'", "'hi'"); // app/ is not in this list
      writeFileSync(join(app, 'templates', 'page.html'), '<p>page</p>');
      await server.waitFor(restarted('templates/page\\.html'), from);
      expect(await get(server.url)).toBe('200 hi from routes v1\n');
      expect(server.output().match(RESTART_LINE)).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });

  it('ephpm serve runs an app whose ephpm.toml has a [dev] section, and watches nothing', async () => {
    const app = appCopy();
    writeFileSync(
      join(app, 'ephpm.toml'),
      '[server]\nworker = "worker.php"\nworkers = 1\n\n[dev]\nwatch = ["routes"]\npoll = true\n',
    );
    const server = await startServer(['--root', app]);
    try {
      expect(await get(server.url)).toBe('200 hello from routes v1\n');
      expect(server.output()).not.toMatch(/watching/);
    } finally {
      await server.stop();
    }
  });

  it('refuses an invalid [dev] section with a clear error before serving', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        'watch = "app"',
        /dev\.watch must be a list of paths or globs relative to the app root; got "app"\.\n.*try: For example: watch = \["app", "routes", "resources\/\*\*\/\*\.php"\]/,
      ],
      [
        'watch = ["../shared"]',
        /dev\.watch entry "\.\.\/shared" is outside the app root\.\n.*try: Give paths relative to the app root/,
      ],
      ['ignore = ["!app/keep.php"]', /dev\.ignore entry "!app\/keep\.php" is a negated glob/],
      [
        'debounce_ms = -5',
        /dev\.debounce_ms must be a whole number from 0 to 10000; got -5\.\n.*try: Milliseconds without changes/,
      ],
      ['poll = "yes"', /dev\.poll must be true or false; got "yes"/],
      ['wacth = ["app"]', /unknown setting dev\.wacth\. Known settings: watch, ignore, debounce_ms, poll\./],
    ];
    for (const [setting, message] of cases) {
      const app = appCopy();
      writeFileSync(join(app, 'ephpm.toml'), `[server]\nworker = "worker.php"\n\n[dev]\n${setting}\n`);
      const result = await runCli(['dev', '--root', app, '--port', '0']);
      expect(result.code, setting).toBe(1);
      expect(result.output, setting).toMatch(message);
      expect(result.output, setting).toMatch(/EPHPM_BAD_CONFIG/);
      expect(result.output, setting).not.toMatch(/serving/);
    }
  });
});
