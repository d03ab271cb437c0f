// npm run bench:http2 — HTTP/2 against HTTP/1.1 over TLS on the same ephpm server (the bench Laravel app, 2 PHP
// workers, /api/health), with h2load from Debian's nghttp2-client, 100 requests in flight: 100 connections over
// HTTP/1.1 (--h1), 100 HTTP/2 connections with one stream each, and 10 HTTP/2 connections with 10 streams each.
// Prints requests/s of each and the ratios to HTTP/1.1.
// Env: BENCH_DURATION (s per run, 10), BENCH_CONNECTIONS (100), BENCH_PATH (/api/health).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchLaravelApp } from './lib/laravel-bench-app.mjs';
import { freePort, launch, run, runBench, stop, waitForOutput } from './lib/processes.mjs';
import { positiveInt } from './lib/settings.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = positiveInt('BENCH_DURATION', 10);
const CONNECTIONS = positiveInt('BENCH_CONNECTIONS', 100);
const PATH = process.env.BENCH_PATH ?? '/api/health';

try {
  execFileSync('h2load', ['--version'], { stdio: 'ignore' });
} catch {
  console.log('bench:http2 needs h2load: sudo apt-get install nghttp2-client');
  process.exit(0);
}

await runBench('bench:http2', 'ephpm-bench-http2-', async (scratch) => {
  const app = await benchLaravelApp(repo);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      join(scratch, 'key.pem'),
      '-out',
      join(scratch, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const config = join(scratch, 'ephpm.toml');
  const appToml = readFileSync(join(app, 'ephpm.toml'), 'utf8');
  writeFileSync(config, `${appToml}\n[server.tls]\ncert = "cert.pem"\nkey = "key.pem"\n`);
  const port = await freePort();
  const server = launch(
    'ephpm',
    process.execPath,
    [
      join(repo, 'bin/run.js'),
      'serve',
      '--root',
      app,
      '--config',
      config,
      '--port',
      String(port),
      '--workers',
      '2',
      '--task-workers',
      '0',
      '--no-access-log',
      '--state-file',
      join(scratch, 'server.json'),
    ],
    { logFile: join(scratch, 'ephpm.log') },
  );
  await waitForOutput(server, /serving https:\/\//, 120_000);
  const url = `https://127.0.0.1:${port}${PATH}`;
  console.log(`h2load, ${CONNECTIONS} connections, ${SECONDS}s each, ${url} (2 workers)`);
  const h1 = await h2load(url, ['-c', String(CONNECTIONS), '--h1']);
  const h2 = await h2load(url, ['-c', String(CONNECTIONS), '-m', '1']);
  const h2m10 = await h2load(url, ['-c', String(Math.ceil(CONNECTIONS / 10)), '-m', '10']);
  console.log(`HTTP/1.1:                 ${h1.toFixed(0)} req/s`);
  console.log(`HTTP/2, 1 stream/conn:    ${h2.toFixed(0)} req/s  (${(h2 / h1).toFixed(2)}x HTTP/1.1)`);
  console.log(`HTTP/2, 10 streams/conn:  ${h2m10.toFixed(0)} req/s  (${(h2m10 / h1).toFixed(2)}x HTTP/1.1)`);
  await stop(server);
});

/** requests/s of one h2load run (2 s warm-up), after checking every answer was a 2xx. */
async function h2load(url, args) {
  const { stdout } = await run('h2load', ['-t', '1', '-D', String(SECONDS), '--warm-up-time', '2', ...args, url], {
    timeoutMs: (SECONDS + 30) * 1000,
  });
  const rate = /finished in [^,]+, ([\d.]+) req\/s/.exec(stdout);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(stdout);
  if (!rate || !codes) throw new Error(`h2load said:\n${stdout}`);
  if (Number(codes[3]) + Number(codes[4]) > 0) throw new Error(`h2load got 4xx/5xx answers:\n${stdout}`);
  return Number(rate[1]);
}
