import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, launch, stop, waitForHttp, waitForOutput } from './processes.mjs';

const BOOT_TIMEOUT_MS = 30_000;
const SCRAPE_INTERVAL_MS = 1_000;

/**
 * Each server gets its own scratch dir under `dir` and listens on 127.0.0.1:port. `metrics`: with a /metrics
 * listener, scraped every second while the server runs (Prometheus' default is every 15 s). `checkout`: run
 * another built checkout of ephpm instead of this one (a baseline).
 */
export async function startEphpm({
  repo,
  dir,
  port,
  workers,
  script,
  metrics = false,
  checkout = repo,
  name = 'ephpm serve',
}) {
  const root = join(dir, `ephpm-root-${port}`);
  mkdirSync(root, { recursive: true });
  const metricsPort = metrics ? await freePort() : null;
  const proc = launch(
    'ephpm',
    process.execPath,
    [
      join(checkout, 'bin/run.js'),
      'serve',
      '--worker',
      script,
      '--root',
      root,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      String(workers),
      '--no-access-log',
      '--state-file',
      join(root, 'ephpm-state.json'),
      ...(metricsPort ? ['--metrics', `127.0.0.1:${metricsPort}`] : []),
    ],
    { cwd: root, logFile: join(dir, `ephpm-${port}.log`) },
  );
  const result = server(name, port, [proc], () => waitForOutput(proc, /serving http:\/\//, BOOT_TIMEOUT_MS));
  if (metricsPort) scrapeWhileRunning(result, `http://127.0.0.1:${metricsPort}/metrics`);
  return result;
}

/** Scrapes `url` every second from ready() to stop(); counts the scrapes in `server.scrapes`. */
function scrapeWhileRunning(server, url) {
  const { ready, stop: stopServer } = server;
  let timer = null;
  server.scrapes = { ok: 0, failed: 0, lastError: null };
  server.ready = async () => {
    const first = await ready();
    timer = setInterval(() => {
      fetch(url, { signal: AbortSignal.timeout(5000) })
        .then(async (response) => {
          const text = await response.text();
          if (response.status !== 200 || !text.includes('ephpm_http_requests_total'))
            throw new Error(`HTTP ${response.status}`);
          server.scrapes.ok++;
        })
        .catch((error) => {
          server.scrapes.failed++;
          server.scrapes.lastError = error.message;
        });
    }, SCRAPE_INTERVAL_MS);
    return first;
  };
  server.stop = async () => {
    clearInterval(timer);
    return stopServer();
  };
}

export async function startFastify({ repo, dir, port, workers }) {
  const proc = launch(
    'fastify',
    process.execPath,
    [join(repo, 'bench/fixtures/fastify-hello.mjs'), String(port), String(workers)],
    {
      cwd: repo,
      logFile: join(dir, 'fastify.log'),
    },
  );
  return server('fastify (cluster)', port, [proc], () => waitForOutput(proc, /listening http:\/\//, BOOT_TIMEOUT_MS));
}

/**
 * upstreamKeepalive 0 = a new FastCGI connection per request (Debian's default setup). phpSettings: ini settings
 * given to php-fpm as -d (as if in its php.ini).
 */
export async function startNginxPhpFpm({
  repo,
  dir,
  port,
  workers,
  script,
  upstreamKeepalive,
  phpSettings = {},
  name: givenName,
}) {
  const base = join(dir, `nginx-php-fpm-keepalive-${upstreamKeepalive}-${port}`);
  mkdirSync(base, { recursive: true });
  const asRoot = process.getuid() === 0;
  const fill = (template, values) =>
    readFileSync(join(repo, 'bench/fixtures', template), 'utf8').replace(/\{\{(\w+)\}\}/g, (_, key) =>
      String(values[key]),
    );

  const fpmConf = join(base, 'php-fpm.conf');
  writeFileSync(
    fpmConf,
    fill('php-fpm.conf', {
      DIR: base,
      CHILDREN: workers,
      USER_LINES: asRoot ? 'user = root\ngroup = root' : '',
    }),
  );
  const nginxConf = join(base, 'nginx.conf');
  writeFileSync(
    nginxConf,
    fill('nginx.conf', {
      DIR: base,
      WORKERS: workers,
      PORT: port,
      SCRIPT: script,
      UPSTREAM_KEEPALIVE: upstreamKeepalive > 0 ? `keepalive ${upstreamKeepalive};` : '',
      KEEP_CONN: upstreamKeepalive > 0 ? 'fastcgi_keep_conn on;' : '',
      USER_LINE: asRoot ? 'user root root;' : '',
    }),
  );

  const fpm = launch(
    'php-fpm',
    sbin('php-fpm8.2'),
    [
      '-F',
      '-y',
      fpmConf,
      '-p',
      base,
      ...(asRoot ? ['-R'] : []),
      ...Object.entries(phpSettings).flatMap(([key, value]) => ['-d', `${key}=${value}`]),
    ],
    {
      logFile: join(base, 'php-fpm.stdout.log'),
    },
  );
  const socket = join(base, 'php-fpm.sock');
  const name =
    givenName ?? (upstreamKeepalive > 0 ? 'nginx+php-fpm, fcgi keepalive' : 'nginx+php-fpm, no fcgi keepalive');
  const result = server(name, port, [fpm], async () => {
    await waitFor(
      () => existsSync(socket),
      fpm,
      BOOT_TIMEOUT_MS,
      `php-fpm did not create ${socket}`,
      join(base, 'php-fpm.log'),
    );
    const nginx = launch(
      'nginx',
      sbin('nginx'),
      ['-p', base, '-c', nginxConf, '-e', join(base, 'nginx-error.log'), '-g', 'daemon off;'],
      {
        logFile: join(base, 'nginx.stdout.log'),
      },
    );
    result.procs.unshift(nginx);
  });
  result.logFiles = [join(base, 'nginx-error.log'), join(base, 'php-fpm.log')];
  result.fpmPid = () => fpm.child.pid;
  result.config = { upstreamKeepalive, phpFpm: `pm = static, pm.max_children = ${workers}`, nginxWorkers: workers };
  return result;
}

export function server(name, port, procs, waitUntilStarted) {
  const url = `http://127.0.0.1:${port}/`;
  const result = {
    name,
    url,
    procs,
    async ready() {
      await waitUntilStarted();
      const alive = () => result.procs.every((proc) => !proc.exit);
      return waitForHttp(url, BOOT_TIMEOUT_MS, alive);
    },
    /** Stops the front process first (nginx before php-fpm). */
    async stop() {
      const exits = {};
      for (const proc of result.procs)
        exits[proc.name] = await stop(proc, proc.name === 'nginx' ? 'SIGQUIT' : 'SIGTERM');
      return exits;
    },
  };
  return result;
}

async function waitFor(condition, proc, timeoutMs, message, logFile) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return;
    if (proc.exit) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
  throw new Error(`${message}\n${proc.output}\n${log}`.trimEnd());
}

function sbin(command) {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin']) {
    if (existsSync(join(dir, command))) return join(dir, command);
  }
  return command;
}
