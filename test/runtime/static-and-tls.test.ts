import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { httpsGetText, writeSelfSignedCertificate } from '../helpers/tls.js';

const WORKER = `<?php
while ($r = \\Ephpm\\Octane\\take_request()) {
    \\Ephpm\\Octane\\send_response(200, ['Content-Type' => 'text/plain'], 'php:' . $r['scheme'] . ':' . $r['path']);
}
`;

function makeApp(): string {
  const app = tempDir('ephpm-app-');
  mkdirSync(join(app, 'public', 'css'), { recursive: true });
  mkdirSync(join(app, 'public', '.well-hidden'));
  writeFileSync(join(app, 'worker.php'), WORKER);
  writeFileSync(join(app, 'secret.txt'), 'TOP SECRET');
  writeFileSync(join(app, 'public', 'hello.txt'), 'static hello');
  writeFileSync(join(app, 'public', 'css', 'app.css'), 'body{}');
  writeFileSync(join(app, 'public', 'index.php'), '<?php echo "SOURCE CODE";');
  writeFileSync(join(app, 'public', '.env'), 'APP_KEY=leaked');
  writeFileSync(join(app, 'public', '.well-hidden', 'file.txt'), 'HIDDEN CONTENT');
  symlinkSync(join(app, 'secret.txt'), join(app, 'public', 'escape.txt'));
  symlinkSync('/etc', join(app, 'public', 'etc'));
  symlinkSync(join(app, 'public', 'hello.txt'), join(app, 'public', 'alias.txt'));
  return app;
}

describe('static files from public/', () => {
  let server: RunningServer;

  beforeAll(async () => {
    const app = makeApp();
    server = await startServer(['--root', app, '--worker', join(app, 'worker.php'), '--workers', '1']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves files with a content type, and lets symlinks that stay inside public/ through', async () => {
    const css = await fetch(`${server.url}/css/app.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await css.text()).toBe('body{}');
    expect(await (await fetch(`${server.url}/hello.txt?v=1`)).text()).toBe('static hello');
    expect(await (await fetch(`${server.url}/alias.txt`)).text()).toBe('static hello');
  });

  for (const [path, reason] of [
    ['/index.php', 'PHP sources'],
    ['/.env', 'dotfiles'],
    ['/.well-hidden/file.txt', 'files in dot-directories'],
    ['/escape.txt', 'symlinks leading outside public/'],
    ['/etc/passwd', 'symlinked directories leading outside public/'],
    ['/../secret.txt', 'paths climbing out of public/'],
    ['/%2e%2e/secret.txt', 'encoded paths climbing out of public/'],
  ]) {
    it(`never serves ${reason} (${path}); the request goes to PHP instead`, async () => {
      const body = await (await fetch(`${server.url}${path}`)).text();
      expect(body).toMatch(/^php:http:/);
      expect(body).not.toMatch(/SOURCE CODE|leaked|HIDDEN CONTENT|TOP SECRET|root:/);
    });
  }

  it('sends everything that is not a file to PHP', async () => {
    expect(await (await fetch(`${server.url}/`)).text()).toBe('php:http:/');
    expect(await (await fetch(`${server.url}/css`)).text()).toBe('php:http:/css');
    expect(await (await fetch(`${server.url}/hello.txt`, { method: 'POST' })).text()).toBe('php:http:/hello.txt');
  });
});

describe('HTTPS from ephpm.toml', () => {
  it('serves over TLS with the configured certificate', async () => {
    const app = makeApp();
    writeSelfSignedCertificate(app);
    writeFileSync(
      join(app, 'ephpm.toml'),
      '[server]\nworker = "worker.php"\nworkers = 1\n\n[server.tls]\ncert = "cert.pem"\nkey = "key.pem"\n',
    );
    const server = await startServer(['--root', app]);
    try {
      expect(server.url).toMatch(/^https:\/\//);
      expect(await httpsGetText(`${server.url}/secure`)).toBe('php:https:/secure');
    } finally {
      await server.stop();
    }
  });
});

describe('ephpm.toml and EPHPM_* settings', () => {
  it('reports invalid TOML with the file and position', async () => {
    const app = makeApp();
    writeFileSync(join(app, 'ephpm.toml'), '[server\nport = 80\n');
    const result = await runCli(['serve', '--root', app]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/ephpm\.toml is not valid TOML/);
  });

  it('names an unknown setting and lists the known ones', async () => {
    const app = makeApp();
    writeFileSync(join(app, 'ephpm.toml'), '[server]\nworker = "worker.php"\nwrokers = 2\n');
    const result = await runCli(['serve', '--root', app]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/unknown setting server\.wrokers\. Known settings: host, port, workers/);
  });

  it('rejects a wrongly typed value', async () => {
    const app = makeApp();
    writeFileSync(join(app, 'ephpm.toml'), '[server]\nworker = "worker.php"\nport = "eighty"\n');
    const result = await runCli(['serve', '--root', app]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/server\.port must be a whole number from 0 to 65535; got "eighty"/);
  });

  it('applies [php] ini overrides and lets EPHPM_* variables override the file', async () => {
    const app = makeApp();
    writeFileSync(
      join(app, 'worker.php'),
      `<?php
while ($r = \\Ephpm\\Octane\\take_request()) { \\Ephpm\\Octane\\send_response(200, [], ini_get('memory_limit') . ' ' . ini_get('precision')); }
`,
    );
    writeFileSync(
      join(app, 'ephpm.toml'),
      '[server]\nworker = "worker.php"\nworkers = 3\n\n[php]\nmemory_limit = "96M"\nprecision = 10\n',
    );
    const server = await startServer(['--root', app], { env: { EPHPM_WORKERS: '1' } });
    try {
      expect(await (await fetch(server.url)).text()).toBe('96M 10');
      expect(server.output()).toMatch(/with 1 PHP worker process /);
    } finally {
      await server.stop();
    }
  });
});
