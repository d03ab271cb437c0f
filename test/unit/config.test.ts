import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDevConfig, resolveServerConfig, resolveStateFile, type ServeOptions } from '../../src/runtime/config.js';
import { refusal } from '../helpers/refusal.js';

function app(files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'ephpm-config-'));
  for (const [name, content] of Object.entries({ 'worker.php': '<?php', ...files })) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

const resolveIn = (root: string, options: ServeOptions = {}) => resolveServerConfig({ worker: 'worker.php', ...options }, root);

describe('the server settings', () => {
  it('have defaults a newcomer can serve with', () => {
    const root = app({ 'public/robots.txt': '' });
    const config = resolveIn(root);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8000,
      workers: availableParallelism(),
      maxRequests: 0,
      requestTimeoutMs: 30_000,
      maxBodyBytes: 32 * 1024 ** 2,
      bodyMemoryBytes: 1024 ** 2,
      queueSize: 128,
      root,
      publicDir: join(root, 'public'),
      workerScript: join(root, 'worker.php'),
      stateFile: join(root, '.ephpm', 'server.json'),
      tables: [],
      taskWorkers: 0,
      tick: false,
      tls: null,
      logFormat: 'human',
      accessLog: true,
    });
  });

  it('come from ephpm.toml, and flags win over the file', () => {
    const root = app({
      'ephpm.toml': '[server]\nport = 9001\nworkers = 3\nmax_body_size = "8M"\nworker = "bin/w.php"\ntick = true\n[php]\nmemory_limit = "256M"\n"opcache.enable" = false\n',
      'bin/w.php': '<?php',
    });
    const fromFile = resolveServerConfig({}, root);
    expect(fromFile).toMatchObject({ port: 9001, workers: 3, maxBodyBytes: 8 * 1024 ** 2, tick: true, workerScript: join(root, 'bin', 'w.php') });
    expect(fromFile.phpIni).toEqual({ memory_limit: '256M', 'opcache.enable': '0' });
    expect(resolveServerConfig({ port: 9100, workers: 1 }, root)).toMatchObject({ port: 9100, workers: 1 });
  });

  it("for a Laravel app on the Octane driver, take the app's Octane settings below ephpm.toml and flags, and one task worker per CPU", () => {
    const laravel = { 'artisan': '', 'vendor/laravel/octane/composer.json': '{}', 'vendor/ephpm/octane-driver/bin/ephpm-worker.php': '<?php' };
    const octane = { tables: { 'users:10': { name: 'string:8' } }, cache: { rows: 5 }, tick: true };
    const asked: string[] = [];
    const octaneSettings = (root: string) => (asked.push(root), octane);
    const tableNames = (config: ReturnType<typeof resolveServerConfig>) => config.tables.map((table) => `${table.name}:${table.rows}`);

    const root = app(laravel);
    const fromApp = resolveServerConfig({ octaneSettings }, root);
    expect(asked).toEqual([root]);
    expect(tableNames(fromApp)).toEqual(['users:10', 'octane.cache:5']);
    expect(fromApp).toMatchObject({ tick: true, taskWorkers: availableParallelism() });
    // octane:start passes the driver's worker script by its path: the same app.
    expect(resolveServerConfig({ octaneSettings, worker: join(root, 'vendor/ephpm/octane-driver/bin/ephpm-worker.php') }, root)).toMatchObject({ tick: true, taskWorkers: availableParallelism() });

    const withToml = app({ ...laravel, 'ephpm.toml': '[server]\ntick = false\ntask_workers = 1\n[tables]\n"toml:3" = { n = "int" }\n' });
    expect(tableNames(resolveServerConfig({ octaneSettings }, withToml))).toEqual(['toml:3', 'octane.cache:5']);
    expect(resolveServerConfig({ octaneSettings }, withToml)).toMatchObject({ tick: false, taskWorkers: 1 });
    const flagged = resolveServerConfig({ octaneSettings, tables: '{"flag:2":{"n":"int"}}', cache: '{"rows":7}', taskWorkers: 'auto' }, withToml);
    expect(tableNames(flagged)).toEqual(['flag:2', 'octane.cache:7']);
    expect(flagged.taskWorkers).toBe(availableParallelism());

    // A worker script of its own: neither the app's settings nor task workers unless asked.
    asked.length = 0;
    expect(resolveServerConfig({ octaneSettings, worker: 'worker.php' }, root)).toMatchObject({ tables: [], tick: false, taskWorkers: 0 });
    expect(asked).toEqual([]);
  });

  it('take task_workers = "auto" as one per CPU and refuse anything else that is not a count', () => {
    expect(resolveIn(app({ 'ephpm.toml': '[server]\ntask_workers = "auto"\n' })).taskWorkers).toBe(availableParallelism());
    expect(refusal(() => resolveIn(app({ 'ephpm.toml': '[server]\ntask_workers = "many"\n' }))).message).toBe('ephpm.toml: server.task_workers must be a whole number from 0 to 64; got "many".');
  });

  it('keep in-memory bodies no larger than the body limit', () => {
    expect(resolveIn(app(), { maxBodySize: '512k' })).toMatchObject({ maxBodyBytes: 512 * 1024, bodyMemoryBytes: 512 * 1024 });
  });

  it.each([
    ['[server]\nworkerz = 2\n', 'unknown setting server.workerz. Known settings: host, port'],
    ['[servr]\n', 'unknown section [servr]. Known sections: [server]'],
    ['[server\n', 'is not valid TOML'],
    ['[server]\nport = "80"\n', 'ephpm.toml: server.port must be a whole number from 0 to 65535; got "80".'],
    ['[server]\nmax_body_size = "lots"\n', 'server.max_body_size must be a size like 1048576, "512K" or "16M"; got "lots".'],
    ['[server]\nlog_format = "xml"\n', 'server.log_format must be "human" or "json"'],
    ['[server.tls]\ncert = "missing.pem"\nkey = "missing.pem"\n', 'server.tls.cert file'],
    ['[php]\n"bad key" = 1\n', 'php.bad key must be an ini directive name'],
    ['[dev]\npoll = "yes"\n', 'dev.poll must be true or false'],
  ])('that are wrong (%s) stop the server with the file and the key', (toml, expected) => {
    const root = app({ 'ephpm.toml': toml });
    const { code, message } = refusal(() => {
      const config = resolveIn(root);
      resolveDevConfig({}, config);
    });
    expect(code).toBe('EPHPM_BAD_CONFIG');
    expect(message).toContain(expected);
  });

  it('without a worker script say how to give one', () => {
    const root = app();
    expect(refusal(() => resolveServerConfig({}, root))).toMatchObject({ code: 'EPHPM_NO_WORKER', hint: expect.stringContaining('Pass --worker <script.php>') });
    expect(refusal(() => resolveServerConfig({ worker: 'nope.php' }, root)).message).toBe(`The worker script ${join(root, 'nope.php')} does not exist.`);
  });

  it('refuse a root that does not exist', () => {
    expect(refusal(() => resolveServerConfig({ root: '/no/such/app' }, tmpdir()))).toMatchObject({ code: 'EPHPM_BAD_ROOT', hint: 'Pass --root <dir> pointing at your app.' });
  });

  it('find the state file where the server writes it, for status, reload and stop', () => {
    const root = app({ 'ephpm.toml': '[server]\nstate_file = "/run/app/ephpm.json"\n' });
    expect(resolveStateFile({ root })).toBe('/run/app/ephpm.json');
    expect(resolveStateFile({ root, stateFile: '/tmp/x.json' })).toBe('/tmp/x.json');
    expect(resolveStateFile({ root: app() })).toMatch(/\.ephpm\/server\.json$/);
  });
});

describe("ephpm dev's settings", () => {
  it("watch what Octane's octane.watch lists by default, with a 200 ms debounce", () => {
    const config = resolveIn(app());
    expect(resolveDevConfig({}, config)).toEqual({
      watch: ['app', 'bootstrap', 'config', 'database', 'public/**/*.php', 'resources/**/*.php', 'routes', 'composer.lock', '.env'],
      ignore: [],
      debounceMs: 200,
      poll: false,
    });
  });

  it('refuse paths outside the app and negated globs', () => {
    for (const [toml, expected] of [
      ['[dev]\nwatch = ["../other"]\n', 'is outside the app root'],
      ['[dev]\nignore = ["!keep"]\n', 'is a negated glob'],
    ] as const) {
      const config = resolveIn(app({ 'ephpm.toml': toml }));
      expect(refusal(() => resolveDevConfig({}, config)).message).toContain(expected);
    }
  });
});
