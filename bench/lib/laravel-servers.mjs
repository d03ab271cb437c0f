// The servers bench:laravel compares, each serving the same app on 127.0.0.1 with 2 PHP workers; each returned
// object also says which processes are its PHP workers (for RSS).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PHP_SETTINGS } from './laravel-bench-app.mjs';
import { launch, run, tail, waitForOutput } from './processes.mjs';
import { descendants } from './rss.mjs';
import { server, startNginxPhpFpm } from './servers.mjs';

export const PHP_NODE_VERSION = '1.4.0';
const BOOT_TIMEOUT_MS = 120_000;

/** `php artisan octane:start --server=ephpm`: no max-requests (as php-fpm's pm.max_requests = 0), no task workers. */
export async function startOctaneEphpm({ app, dir, port, workers }) {
  const proc = launch('octane:start', 'php', [
    'artisan', 'octane:start', '--server=ephpm', '--host=127.0.0.1', `--port=${port}`,
    `--workers=${workers}`, '--task-workers=0', '--max-requests=0',
  ], { cwd: app, logFile: join(dir, 'octane-ephpm.log') });
  const result = server('ephpm (octane:start)', port, [proc], () => waitForOutput(proc, /Local: http:\/\//, BOOT_TIMEOUT_MS));
  result.workerPids = () => descendants(proc.child.pid, /runtime\/http\/worker-main\.js/);
  result.workerKind = 'worker process (Node + embedded PHP)';
  return result;
}

/** nginx + php-fpm (pm = static), a new FastCGI connection per request, as Debian sets them up. */
export async function startNginxFpmLaravel({ repo, app, dir, port, workers }) {
  const result = await startNginxPhpFpm({
    repo, dir, port, workers, script: join(app, 'public/index.php'), upstreamKeepalive: 0, phpSettings: PHP_SETTINGS, name: 'nginx + php-fpm',
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
  writeFileSync(join(iniDir, 'bench.ini'), Object.entries(PHP_SETTINGS).map(([key, value]) => `${key}=${value}\n`).join(''));
  const proc = launch('php-node', process.execPath, [join(repo, 'bench/fixtures/php-node-server.mjs'), packageDir, app, String(port)], {
    logFile: join(dir, 'php-node.log'),
    env: { UV_THREADPOOL_SIZE: String(workers), PHP_INI_SCAN_DIR: iniDir },
  });
  const result = server(`@platformatic/php-node ${PHP_NODE_VERSION}`, port, [proc], () => waitForOutput(proc, /listening http:\/\//, BOOT_TIMEOUT_MS));
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
    const install = await run('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', `@platformatic/php-node@${PHP_NODE_VERSION}`], { cwd: prefix, timeoutMs: 300_000 });
    if (install.code !== 0) throw new Error(`npm install @platformatic/php-node@${PHP_NODE_VERSION} failed:\n${tail(install.stdout + install.stderr)}`);
  }
  const load = await run(process.execPath, ['-e', `require(${JSON.stringify(packageDir)})`], { timeoutMs: 30_000 });
  if (load.code !== 0) throw new Error(`@platformatic/php-node ${PHP_NODE_VERSION} installs but does not load here:\n${tail(load.stderr)}`);
  return packageDir;
}

/** The in-process ceiling for one path: Worker::handle() in a PHP loop (bench/fixtures/laravel-ceiling.php). */
export async function ceiling({ repo, app, path, seconds, warmupSeconds }) {
  const ini = Object.entries(PHP_SETTINGS).flatMap(([key, value]) => ['-d', `${key}=${value}`]);
  const { code, stdout, stderr } = await run('php', [...ini, join(repo, 'bench/fixtures/laravel-ceiling.php'), app, path, String(seconds), String(warmupSeconds)], {
    cwd: app, timeoutMs: (seconds + warmupSeconds + 60) * 1000,
  });
  if (code !== 0) throw new Error(`the in-process ceiling for ${path} failed (code ${code}):\n${tail(stderr || stdout)}`);
  return JSON.parse(stdout.trim().split('\n').at(-1));
}
