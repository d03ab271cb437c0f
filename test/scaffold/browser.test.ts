import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeProcess, type ObservedProcess } from '../helpers/ephpm-server.js';
import { freePort } from '../helpers/octane-server.js';
import { copyOf, QUIET_ENV, scaffoldedApp } from '../helpers/scaffold.js';
import { writeSelfSignedCertificate } from '../helpers/tls.js';

// A real browser (Debian's chromium, driven by playwright-core) on the scaffolded app with nothing in front of ephpm:
// its welcome page over https with a self-signed certificate, its Vite assets built by the app's own `npm run build`
// and announced by Laravel's AddLinkHeadersForPreloadedAssets, as the starter kits do. The page stays in PHP until the
// test releases it, as one that queries a slow database does: the time early hints win back.

const CHROMIUM = '/usr/bin/chromium';

interface Loaded {
  protocol: string;
  document: { encoded: number; decoded: number };
  assets: Array<{ name: string; encoded: number; decoded: number }>;
}

/** The certificate's public key hash: chromium trusts that key for this run only (as a real certificate). */
function spkiHash(certFile: string): string {
  return execFileSync('bash', [
    '-c',
    `openssl x509 -in '${certFile}' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
  ])
    .toString()
    .trim();
}

describe('a browser on the scaffolded app, nothing in front of ephpm', () => {
  let app: string;
  let server: ObservedProcess;
  let browser: Browser;
  let url: string;
  let release: string;

  beforeAll(async () => {
    app = copyOf((await scaffoldedApp()).app);
    execFileSync('npm', ['run', 'build'], { cwd: app, env: { ...process.env, ...QUIET_ENV }, stdio: 'ignore' });
    const bootstrap = join(app, 'bootstrap', 'app.php');
    writeFileSync(
      bootstrap,
      readFileSync(bootstrap, 'utf8').replace(
        '->withMiddleware(function (Middleware $middleware) {',
        '->withMiddleware(function (Middleware $middleware) {\n        $middleware->web(append: [\\Illuminate\\Http\\Middleware\\AddLinkHeadersForPreloadedAssets::class]);',
      ),
    );
    // The page waits (up to 10 s) for the release file; without it, a busy machine could answer the page before the
    // browser, acting on the 103, asked for the assets.
    release = join(app, 'storage', 'framework', 'release-page');
    const routes = join(app, 'routes', 'web.php');
    writeFileSync(
      routes,
      readFileSync(routes, 'utf8').replace(
        "return view('welcome');",
        `$deadline = microtime(true) + 10;
    while (!file_exists(storage_path('framework/release-page')) && microtime(true) < $deadline) {
        usleep(10_000);
        clearstatcache();
    }
    return view('welcome');`,
      ),
    );
    writeSelfSignedCertificate(app);
    const port = await freePort();
    writeFileSync(
      join(app, 'ephpm.toml'),
      `[server]\nport = ${port}\nworkers = 1\naccess_log = "json"\n\n[server.tls]\ncert = "cert.pem"\nkey = "key.pem"\n`,
    );
    // The app's own ephpm (node_modules/.bin, what `npx ephpm serve` runs), so that a signal reaches it.
    server = observeProcess(
      spawn(join(app, 'node_modules', '.bin', 'ephpm'), ['serve'], {
        cwd: app,
        env: { ...process.env, ...QUIET_ENV },
        stdio: 'pipe',
      }),
    );
    await server.waitFor(/serving https:\/\/127\.0\.0\.1:\d+/, 0, 60_000);
    url = `https://localhost:${port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [`--ignore-certificate-errors-spki-list=${spkiHash(join(app, 'cert.pem'))}`, '--no-sandbox'],
    });
  }, 900_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop('SIGTERM');
  });

  /** The paths of the requests answered since `from` in the server's output, in the order they were logged. */
  function accessLogSince(from: number): Array<{ path: string }> {
    return server
      .output()
      .slice(from)
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('"type":"request"'))
      .map((line) => ({ path: (JSON.parse(line) as { url: string }).url }));
  }

  /** The welcome page in a fresh browser context (nothing cached), once it has loaded. */
  async function load(): Promise<Loaded> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(url, { waitUntil: 'load' });
      return await page.evaluate(() => {
        const document = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        const assets = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
          .filter((entry) => entry.name.includes('/build/assets/'))
          .map((entry) => ({
            name: entry.name,
            encoded: entry.encodedBodySize,
            decoded: entry.decodedBodySize,
          }));
        return {
          protocol: document.nextHopProtocol,
          document: {
            encoded: document.encodedBodySize,
            decoded: document.decodedBodySize,
          },
          assets,
        };
      });
    } finally {
      await context.close();
    }
  }

  it('loads the welcome page over HTTP/2, compressed, with its Vite assets early-hinted', async () => {
    writeFileSync(release, '');
    await load(); // teaches the front the page's preload links
    rmSync(release);
    const logFrom = server.output().length;
    const loading = load();
    // The page is released once the browser has asked for both assets; if it never does, it is answered after 10 s
    // and the assets are asked for after it (which the checks below catch).
    await server.waitFor(/"url":"\/build\/assets\/[^"]+\.css"/, logFrom, 20_000);
    await server.waitFor(/"url":"\/build\/assets\/[^"]+\.js"/, logFrom, 20_000);
    writeFileSync(release, '');
    const loaded = await loading;
    expect(loaded.protocol).toBe('h2');
    expect(loaded.document.encoded).toBeGreaterThan(0);
    expect(loaded.document.encoded).toBeLessThan(loaded.document.decoded * 0.5);
    expect(loaded.assets.map((asset) => asset.name.replace(/-[\w-]+\.(css|js)$/, '.$1')).sort()).toEqual([
      `${url}build/assets/app.css`,
      `${url}build/assets/app.js`,
    ]);
    for (const asset of loaded.assets) expect(asset.encoded, asset.name).toBeLessThan(asset.decoded * 0.5);
    // Each asset was requested once, and answered while the page was still in PHP (its lines were logged before the
    // page was released, above): the browser fetched it on the 103 and used that answer. (Not the times in the log
    // lines: they are stamped as the lines are written, and on a loaded machine one came 40 ms late. Nor Chromium's
    // resource timing: in one CI run it named the CSS's initiator "link", not "early-hints".)
    await server.waitFor(/"url":"\/"/, logFrom);
    const requests = accessLogSince(logFrom);
    const pageLine = requests.findIndex((request) => request.path === '/');
    for (const type of ['.css', '.js']) {
      const fetched = requests.filter(
        (request) => request.path.startsWith('/build/assets/') && request.path.endsWith(type),
      );
      expect(fetched, type).toHaveLength(1);
      expect(requests.indexOf(fetched[0]!), type).toBeLessThan(pageLine);
    }
  });
});
