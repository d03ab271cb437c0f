import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDevConfig, resolveServerConfig, resolveStateFile } from '../../src/runtime/config/config.js';
import type { ServeOptions } from '../../src/runtime/config/server-config.js';
import { refusal } from '../helpers/refusal.js';
import { writeSelfSignedCertificate } from '../helpers/tls.js';

function app(files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'ephpm-config-'));
  for (const [name, content] of Object.entries({ 'worker.php': '<?php', ...files })) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

const resolveIn = (root: string, options: ServeOptions = {}) =>
  resolveServerConfig({ worker: 'worker.php', ...options }, root);

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
      http2: true,
      h2c: false,
      logFormat: 'human',
      accessLog: 'text',
      requestId: true,
      earlyHints: true,
    });
  });

  it('come from ephpm.toml, and flags win over the file', () => {
    const root = app({
      'ephpm.toml':
        '[server]\nport = 9001\nworkers = 3\nmax_body_size = "8M"\nworker = "bin/w.php"\ntick = true\n[php]\nmemory_limit = "256M"\n"opcache.enable" = false\n',
      'bin/w.php': '<?php',
    });
    const fromFile = resolveServerConfig({}, root);
    expect(fromFile).toMatchObject({
      port: 9001,
      workers: 3,
      maxBodyBytes: 8 * 1024 ** 2,
      tick: true,
      workerScript: join(root, 'bin', 'w.php'),
    });
    expect(fromFile.phpIni).toEqual({ memory_limit: '256M', 'opcache.enable': '0' });
    expect(resolveServerConfig({ port: 9100, workers: 1 }, root)).toMatchObject({ port: 9100, workers: 1 });
  });

  it('have timeouts and bounds with the defaults nginx and Node use, each from a flag or the file', () => {
    expect(resolveIn(app())).toMatchObject({
      requestTimeoutMs: 30_000,
      queueTimeoutMs: 30_000,
      sendTimeoutMs: 60_000,
      headerTimeoutMs: 60_000,
      bodyTimeoutMs: 60_000,
      requestReadTimeoutMs: 300_000,
      drainTimeoutMs: 30_000,
      maxMemoryBytes: 0,
      responseMemoryBytes: 1024 ** 2,
    });
    const root = app({
      'ephpm.toml':
        '[server]\nsend_timeout = 5\nbody_timeout = 2.5\nrequest_read_timeout = 0\nmax_memory = "512M"\nresponse_memory_size = "256K"\n',
    });
    expect(resolveIn(root)).toMatchObject({
      sendTimeoutMs: 5000,
      bodyTimeoutMs: 2500,
      requestReadTimeoutMs: 0,
      maxMemoryBytes: 512 * 1024 ** 2,
      responseMemoryBytes: 256 * 1024,
    });
    expect(resolveIn(root, { sendTimeout: 9, maxMemory: '0', queueTimeout: 3, drainTimeout: 4 })).toMatchObject({
      sendTimeoutMs: 9000,
      maxMemoryBytes: 0,
      queueTimeoutMs: 3000,
      drainTimeoutMs: 4000,
    });
  });

  it('take the access log as text, json or off, its format following log_format unless given', () => {
    expect(resolveIn(app())).toMatchObject({ accessLog: 'text', requestId: true });
    expect(resolveIn(app(), { logFormat: 'json' })).toMatchObject({ accessLog: 'json' });
    expect(resolveIn(app(), { logFormat: 'json', accessLogFormat: 'text' })).toMatchObject({ accessLog: 'text' });
    expect(resolveIn(app({ 'ephpm.toml': '[server]\naccess_log = "json"\nrequest_id = false\n' }))).toMatchObject({
      accessLog: 'json',
      requestId: false,
    });
    expect(resolveIn(app({ 'ephpm.toml': '[server]\naccess_log = false\n' }))).toMatchObject({ accessLog: false });
    expect(resolveIn(app({ 'ephpm.toml': '[server]\naccess_log = false\n' }), { accessLog: true })).toMatchObject({
      accessLog: 'text',
    });
    expect(() => resolveIn(app({ 'ephpm.toml': '[server]\naccess_log = "xml"\n' }))).toThrow(
      /server\.access_log must be true, false, "text" or "json"; got "xml"/,
    );
  });

  it('turn compression on by default (1 KiB minimum), off from ephpm.toml or a flag, the flag winning', () => {
    expect(resolveIn(app())).toMatchObject({ compression: { minBytes: 1024 } });
    const off = app({ 'ephpm.toml': '[server]\ncompression = false\ncompression_min_size = "4K"\n' });
    expect(resolveIn(off)).toMatchObject({ compression: null });
    expect(resolveIn(off, { compression: true })).toMatchObject({ compression: { minBytes: 4096 } });
    expect(resolveIn(app(), { compression: false })).toMatchObject({ compression: null });
    expect(resolveIn(app(), { compressionMinSize: '0' })).toMatchObject({ compression: { minBytes: 0 } });
    expect(() => resolveIn(app({ 'ephpm.toml': '[server]\ncompression = "yes"\n' }))).toThrow(
      /server\.compression must be true or false; got "yes"/,
    );
  });

  it('take the native lane on or off, on by default, the flag winning over the file', () => {
    expect(resolveIn(app({}))).toMatchObject({ nativeLane: true });
    const off = app({ 'ephpm.toml': '[server]\nnative_lane = false\n' });
    expect(resolveIn(off)).toMatchObject({ nativeLane: false });
    expect(resolveIn(off, { nativeLane: true })).toMatchObject({ nativeLane: true });
    expect(() => resolveIn(app({ 'ephpm.toml': '[server]\nnative_lane = 1\n' }))).toThrow(/server\.native_lane/);
  });

  it('take early hints on or off, the flag winning over the file', () => {
    const off = app({ 'ephpm.toml': '[server]\nearly_hints = false\n' });
    expect(resolveIn(off)).toMatchObject({ earlyHints: false });
    expect(resolveIn(off, { earlyHints: true })).toMatchObject({ earlyHints: true });
    expect(() => resolveIn(app({ 'ephpm.toml': '[server]\nearly_hints = "yes"\n' }))).toThrow(/server\.early_hints/);
  });

  it('send files from Node by default, from storage/app for X-Sendfile, each from the file or a flag', () => {
    const root = app();
    expect(resolveIn(root)).toMatchObject({ fileOffload: true, offloadDirs: [join(root, 'storage', 'app')] });
    const configured = app({ 'ephpm.toml': '[server]\nfile_offload = false\noffload_dirs = ["files", "/srv/dl"]\n' });
    expect(resolveIn(configured)).toMatchObject({
      fileOffload: false,
      offloadDirs: [join(configured, 'files'), '/srv/dl'],
    });
    expect(resolveIn(configured, { fileOffload: true, offloadDirs: 'a, b/c' })).toMatchObject({
      fileOffload: true,
      offloadDirs: [join(configured, 'a'), join(configured, 'b', 'c')],
    });
    expect(() => resolveIn(app({ 'ephpm.toml': '[server]\noffload_dirs = "files"\n' }))).toThrow(
      /server\.offload_dirs must be a list of directories; got "files"/,
    );
  });

  it('refuse a TLS file that is not PEM, naming the file', () => {
    const root = app({
      'cert.pem': 'not a certificate',
      'key.pem': 'not a key',
      'ephpm.toml': '[server.tls]\ncert = "cert.pem"\nkey = "key.pem"\n',
    });
    expect(refusal(() => resolveIn(root)).message).toMatch(
      new RegExp(
        `^ephpm\\.toml: server\\.tls\\.cert file ${join(root, 'cert.pem')} is not a PEM certificate \\(.*no start line\\)\\.$`,
      ),
    );
    writeSelfSignedCertificate(root);
    writeFileSync(join(root, 'key.pem'), 'not a key');
    expect(refusal(() => resolveIn(root)).message).toContain(
      `server.tls.key file ${join(root, 'key.pem')} is not a PEM private key without a passphrase`,
    );
    const other = app();
    writeSelfSignedCertificate(other);
    writeFileSync(join(root, 'key.pem'), readFileSync(join(other, 'key.pem')));
    expect(refusal(() => resolveIn(root)).message).toContain(
      `server.tls.key file ${join(root, 'key.pem')} is not the private key of the certificate in ${join(root, 'cert.pem')}`,
    );
  });

  it("for a Laravel app on the Octane driver, take the app's Octane settings below ephpm.toml and flags, and one task worker per CPU", () => {
    const laravel = {
      artisan: '',
      'vendor/laravel/octane/composer.json': '{}',
      'vendor/ephpm/octane-driver/bin/ephpm-worker.php': '<?php',
    };
    const octane = { tables: { 'users:10': { name: 'string:8' } }, cache: { rows: 5 }, tick: true };
    const asked: string[] = [];
    const octaneSettings = (root: string) => (asked.push(root), octane);
    const tableNames = (config: ReturnType<typeof resolveServerConfig>) =>
      config.tables.map((table) => `${table.name}:${table.rows}`);

    const root = app(laravel);
    const fromApp = resolveServerConfig({ octaneSettings }, root);
    expect(asked).toEqual([root]);
    expect(tableNames(fromApp)).toEqual(['users:10', 'octane.cache:5']);
    expect(fromApp).toMatchObject({ tick: true, taskWorkers: availableParallelism() });
    // octane:start passes the driver's worker script by its path: the same app.
    expect(
      resolveServerConfig(
        { octaneSettings, worker: join(root, 'vendor/ephpm/octane-driver/bin/ephpm-worker.php') },
        root,
      ),
    ).toMatchObject({ tick: true, taskWorkers: availableParallelism() });

    const withToml = app({
      ...laravel,
      'ephpm.toml': '[server]\ntick = false\ntask_workers = 1\n[tables]\n"toml:3" = { n = "int" }\n',
    });
    expect(tableNames(resolveServerConfig({ octaneSettings }, withToml))).toEqual(['toml:3', 'octane.cache:5']);
    expect(resolveServerConfig({ octaneSettings }, withToml)).toMatchObject({ tick: false, taskWorkers: 1 });
    const flagged = resolveServerConfig(
      { octaneSettings, tables: '{"flag:2":{"n":"int"}}', cache: '{"rows":7}', taskWorkers: 'auto' },
      withToml,
    );
    expect(tableNames(flagged)).toEqual(['flag:2', 'octane.cache:7']);
    expect(flagged.taskWorkers).toBe(availableParallelism());

    // A worker script of its own: neither the app's settings nor task workers unless asked.
    asked.length = 0;
    expect(resolveServerConfig({ octaneSettings, worker: 'worker.php' }, root)).toMatchObject({
      tables: [],
      tick: false,
      taskWorkers: 0,
    });
    expect(asked).toEqual([]);
  });

  it('take task_workers = "auto" as one per CPU and refuse anything else that is not a count', () => {
    expect(resolveIn(app({ 'ephpm.toml': '[server]\ntask_workers = "auto"\n' })).taskWorkers).toBe(
      availableParallelism(),
    );
    expect(refusal(() => resolveIn(app({ 'ephpm.toml': '[server]\ntask_workers = "many"\n' }))).message).toBe(
      'ephpm.toml: server.task_workers must be a whole number from 0 to 64; got "many".',
    );
  });

  it('keep in-memory bodies no larger than the body limit', () => {
    expect(resolveIn(app(), { maxBodySize: '512k' })).toMatchObject({
      maxBodyBytes: 512 * 1024,
      bodyMemoryBytes: 512 * 1024,
    });
  });

  it.each([
    ['[server]\nworkerz = 2\n', 'unknown setting server.workerz. Known settings: host, port'],
    ['[servr]\n', 'unknown section [servr]. Known sections: [server]'],
    ['[server\n', 'is not valid TOML'],
    ['[server]\nport = "80"\n', 'ephpm.toml: server.port must be a whole number from 0 to 65535; got "80".'],
    [
      '[server]\nmax_body_size = "lots"\n',
      'server.max_body_size must be a size of at least one byte, like 1048576, "512K" or "16M"; got "lots".',
    ],
    [
      '[server]\nmax_body_size = "0"\n',
      'server.max_body_size must be a size of at least one byte, like 1048576, "512K" or "16M"; got "0".',
    ],
    ['[server]\nmax_body_size = 0\n', 'server.max_body_size must be a size of at least one byte'],
    ['[server]\nmax_memory = "lots"\n', 'server.max_memory must be a size like "512M" (0 = off); got "lots".'],
    ['[server]\nsend_timeout = 0\n', 'server.send_timeout must be a positive number of seconds; got 0.'],
    [
      '[server]\nrequest_read_timeout = -1\n',
      'server.request_read_timeout must be a number of seconds (0 = no limit); got -1.',
    ],
    [
      '[server]\nheader_timeout = 90\nrequest_read_timeout = 60\n',
      'server.header_timeout (90s) must not be longer than server.request_read_timeout (60s)',
    ],
    ['[server]\nroot = "app"\n', 'unknown setting server.root.'],
    ['php = 5\n', 'php must be a section ([php]); got 5.'],
    ['server = "x"\n', 'server must be a section ([server]); got "x".'],
    ['cache = 5\n', 'cache must be a section ([cache]); got 5.'],
    [
      '[server.tls]\ncert = "c.pem"\nkey = "k.pem"\nca = "ca.pem"\n',
      'unknown setting server.tls.ca. Known settings: cert, key.',
    ],
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
    expect(refusal(() => resolveServerConfig({}, root))).toMatchObject({
      code: 'EPHPM_NO_WORKER',
      hint: expect.stringContaining('Pass --worker <script.php>'),
    });
    expect(refusal(() => resolveServerConfig({ worker: 'nope.php' }, root)).message).toBe(
      `The worker script ${join(root, 'nope.php')} does not exist.`,
    );
  });

  it('refuse a root that does not exist', () => {
    expect(refusal(() => resolveServerConfig({ root: '/no/such/app' }, tmpdir()))).toMatchObject({
      code: 'EPHPM_BAD_ROOT',
      hint: 'Pass --root <dir> pointing at your app.',
    });
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
      watch: [
        'app',
        'bootstrap',
        'config',
        'database',
        'public/**/*.php',
        'resources/**/*.php',
        'routes',
        'composer.lock',
        '.env',
      ],
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
