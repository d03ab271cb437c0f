// The servers bench:laravel compares, each serving the same app on 127.0.0.1 with 2 PHP workers; each returned
// object also says which processes are its PHP workers (for RSS).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PHP_SETTINGS } from './laravel-bench-app.mjs';
import { launch, run, tail, waitForOutput } from './processes.mjs';
import { descendants } from './rss.mjs';
import { server, startNginxPhpFpm } from './servers.mjs';

export const PHP_NODE_VERSION = '1.4.0';
const BOOT_TIMEOUT_MS = 120_000;

/** `php artisan octane:start --server=ephpm`: no max-requests (as php-fpm's pm.max_requests = 0), no task workers. */
export async function startOctaneEphpm({ app, dir, port, workers, env }) {
  const proc = launch(
    'octane:start',
    'php',
    [
      'artisan',
      'octane:start',
      '--server=ephpm',
      '--host=127.0.0.1',
      `--port=${port}`,
      `--workers=${workers}`,
      '--task-workers=0',
      '--max-requests=0',
    ],
    { cwd: app, logFile: join(dir, 'octane-ephpm.log'), env },
  );
  const result = server('ephpm (octane:start)', port, [proc], () =>
    waitForOutput(proc, /Local: http:\/\//, BOOT_TIMEOUT_MS),
  );
  result.workerPids = () => descendants(proc.child.pid, /runtime\/http\/worker-main\.js/);
  result.workerKind = 'worker process (Node + embedded PHP)';
  return result;
}

/** Where the swoole extension comes from: BENCH_SWOOLE_EXTENSION (a built swoole.so), else the CLI's own, else null. */
export async function swooleExtension() {
  if (process.env.BENCH_SWOOLE_EXTENSION) {
    if (!existsSync(process.env.BENCH_SWOOLE_EXTENSION))
      throw new Error(`BENCH_SWOOLE_EXTENSION names no file: ${process.env.BENCH_SWOOLE_EXTENSION}`);
    return process.env.BENCH_SWOOLE_EXTENSION;
  }
  const loaded = await run('php', ['-r', 'echo extension_loaded("swoole") ? "yes" : "no";'], { timeoutMs: 10_000 });
  return loaded.stdout.trim() === 'yes' ? 'loaded' : null;
}

export const SWOOLE_MISSING =
  'no swoole extension: build it from swoole-src v6.2.2 (phpize && ./configure && make), then run with BENCH_SWOOLE_EXTENSION=<dir>/modules/swoole.so';

/**
 * Laravel Octane's own Swoole server (`php artisan octane:swoole`, which takes --task-workers=0 and --max-requests=0
 * as given; octane:start would turn them into its defaults) in a copy of the app, since Octane's state file allows one
 * server per app. `clearOpcache`: Octane's `swoole.clear_opcache`, true as it ships (each worker calls opcache_reset()
 * as it starts, so the app's code is compiled again in every worker), false as users who tune it set it.
 */
export async function startOctaneSwoole({ app, dir, port, workers, clearOpcache }) {
  const extension = await swooleExtension();
  if (!extension) throw new Error(SWOOLE_MISSING);
  const copy = join(dir, clearOpcache ? 'app-swoole' : 'app-swoole-no-clear-opcache');
  // Symlinks (vendor/ephpm/octane-driver, node_modules/ephpm) keep pointing where they did; not ephpm's runtime
  // directory (its control socket, while ephpm serves the original).
  cpSync(app, copy, { recursive: true, filter: (source) => !source.startsWith(join(app, '.ephpm')) });
  rmSync(join(copy, 'storage/logs/octane-server-state.json'), { force: true }); // ephpm's, running: Octane would refuse
  const configFile = join(copy, 'config/octane.php');
  writeFileSync(
    configFile,
    readFileSync(configFile, 'utf8').replace(
      /return \[\n/,
      `return [\n    'swoole' => ['clear_opcache' => ${clearOpcache}],\n`,
    ),
  );
  const iniDir = join(dir, 'swoole-ini');
  mkdirSync(iniDir, { recursive: true });
  const extensionLine = extension === 'loaded' ? '' : `extension=${extension}\n`;
  writeFileSync(
    join(iniDir, 'bench.ini'),
    extensionLine +
      Object.entries(PHP_SETTINGS)
        .map(([key, value]) => `${key}=${value}\n`)
        .join(''),
  );
  // Debian's CLI scan dir plus ours, for this server's processes only.
  const env = { PHP_INI_SCAN_DIR: `${process.env.PHP_INI_SCAN_DIR ?? '/etc/php/8.2/cli/conf.d'}:${iniDir}` };
  const optimize = await run('php', ['artisan', 'optimize'], { cwd: copy, env, timeoutMs: 120_000 });
  if (optimize.code !== 0)
    throw new Error(`php artisan optimize in ${copy} failed:\n${tail(optimize.stdout + optimize.stderr)}`);
  const name = `Octane + Swoole${clearOpcache ? '' : ', clear_opcache off'}`;
  const proc = launch(
    name,
    'php',
    [
      'artisan',
      'octane:swoole',
      '--host=127.0.0.1',
      `--port=${port}`,
      `--workers=${workers}`,
      '--task-workers=0',
      '--max-requests=0',
    ],
    { cwd: copy, env, logFile: join(dir, clearOpcache ? 'octane-swoole.log' : 'octane-swoole-no-clear.log') },
  );
  const result = server(name, port, [proc], () =>
    waitForOutput(proc, /Server running|Local: http:\/\//, BOOT_TIMEOUT_MS),
  );
  result.workerPids = () => descendants(proc.child.pid, /worker process/);
  result.workerKind = 'Swoole worker process';
  return result;
}

/** nginx + php-fpm (pm = static), a new FastCGI connection per request, as Debian sets them up. */
export async function startNginxFpmLaravel({ repo, app, dir, port, workers }) {
  const result = await startNginxPhpFpm({
    repo,
    dir,
    port,
    workers,
    script: join(app, 'public/index.php'),
    upstreamKeepalive: 0,
    phpSettings: PHP_SETTINGS,
    name: 'nginx + php-fpm',
  });
  result.workerPids = () => descendants(result.fpmPid(), /php-fpm: pool/);
  result.workerKind = 'php-fpm child';
  return result;
}

/**
 * @platformatic/php-node, installed into .cache/ with npm the first time. Its PHP is its own (bundled libphp.so),
 * so PHP_SETTINGS reach it through PHP_INI_SCAN_DIR. Throws with npm's or Node's own error when it cannot run here.
 */
export async function startPhpNode({ repo, app, dir, port, workers }) {
  const packageDir = await installPhpNode(repo);
  const iniDir = join(dir, 'php-node-ini');
  mkdirSync(iniDir, { recursive: true });
  writeFileSync(
    join(iniDir, 'bench.ini'),
    Object.entries(PHP_SETTINGS)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
  );
  const proc = launch(
    'php-node',
    process.execPath,
    [join(repo, 'bench/fixtures/php-node-server.mjs'), packageDir, app, String(port)],
    {
      logFile: join(dir, 'php-node.log'),
      env: { UV_THREADPOOL_SIZE: String(workers), PHP_INI_SCAN_DIR: iniDir },
    },
  );
  const result = server(`@platformatic/php-node ${PHP_NODE_VERSION}`, port, [proc], () =>
    waitForOutput(proc, /listening http:\/\//, BOOT_TIMEOUT_MS),
  );
  // One process: its PHP threads share it, so its RSS is reported for each of them.
  result.workerPids = () => Array.from({ length: workers }, () => proc.child.pid);
  result.workerKind = 'the one Node process (2 PHP threads share it)';
  return result;
}

async function installPhpNode(repo) {
  const prefix = join(repo, '.cache', `php-node-${PHP_NODE_VERSION}`);
  const packageDir = join(prefix, 'node_modules/@platformatic/php-node');
  if (!existsSync(join(packageDir, 'package.json'))) {
    mkdirSync(prefix, { recursive: true });
    writeFileSync(join(prefix, 'package.json'), '{"private":true}\n');
    const install = await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--foreground-scripts', `@platformatic/php-node@${PHP_NODE_VERSION}`],
      { cwd: prefix, timeoutMs: 300_000 },
    );
    if (install.code !== 0)
      throw new Error(
        `npm install @platformatic/php-node@${PHP_NODE_VERSION} failed:\n${tail(install.stdout + install.stderr)}`,
      );
  }
  const load = await run(process.execPath, ['-e', `require(${JSON.stringify(packageDir)})`], { timeoutMs: 30_000 });
  if (load.code !== 0)
    throw new Error(
      `@platformatic/php-node ${PHP_NODE_VERSION} installs but does not load here:\n${tail(load.stderr)}`,
    );
  return packageDir;
}

/** The in-process ceiling for one path: Worker::handle() in a PHP loop (bench/fixtures/laravel-ceiling.php). */
export async function ceiling({ repo, app, path, seconds, warmupSeconds }) {
  const ini = Object.entries(PHP_SETTINGS).flatMap(([key, value]) => ['-d', `${key}=${value}`]);
  const { code, stdout, stderr } = await run(
    'php',
    [...ini, join(repo, 'bench/fixtures/laravel-ceiling.php'), app, path, String(seconds), String(warmupSeconds)],
    {
      cwd: app,
      timeoutMs: (seconds + warmupSeconds + 60) * 1000,
    },
  );
  if (code !== 0)
    throw new Error(`the in-process ceiling for ${path} failed (code ${code}):\n${tail(stderr || stdout)}`);
  return JSON.parse(stdout.trim().split('\n').at(-1));
}
