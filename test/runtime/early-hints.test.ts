import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';

// 103 Early Hints learned from the app: the preload Link headers of a path's last 200 HTML page go out as a 103 the
// moment the next request for it arrives, before PHP runs (PHP waits for the test's go-ahead file here).

const WORKER = `<?php
use function Ephpm\\Octane\\{take_request, send_response, send_early_hints};
$dir = __DIR__;
while ($r = take_request()) {
    if ($r['path'] === '/own-hints') {
        send_early_hints(['Link' => '</own.css>; rel=preload; as=style', 'X-Hint' => 'yes']);
    }
    while (!file_exists("$dir/go")) usleep(5000);
    $links = file_exists("$dir/no-links") ? [] : ['Link' => '</build/app.css>; rel=preload; as=style, </build/app.js>; rel=modulepreload'];
    switch ($r['path']) {
        case '/page':
            send_response(200, ['Content-Type' => 'text/html; charset=UTF-8'] + $links, '<html>page</html>');
            break;
        case '/json':
            send_response(200, ['Content-Type' => 'application/json'] + $links, '{}');
            break;
        case '/missing':
            send_response(404, ['Content-Type' => 'text/html'] + $links, 'gone');
            break;
        case '/own-hints':
            send_response(200, ['Content-Type' => 'text/plain'], 'own');
            break;
        case '/unsafe':
            send_response(200, ['Content-Type' => 'text/html', 'Link' => '<javascript:x>; rel=stylesheet'], 'x');
            break;
        default:
            send_response(404, ['Content-Type' => 'text/plain'], 'no route');
    }
}
`;
const HINTS = ['</build/app.css>; rel=preload; as=style', '</build/app.js>; rel=modulepreload'];

interface Answer {
  /** The 103s that came before the answer, their Link headers. */
  hints: string[][];
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A GET that reports each 103 as it arrives (`onHint`), then the final answer. */
function get(server: RunningServer, path: string, onHint: (links: string[]) => void = () => {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const hints: string[][] = [];
    const req = request(`${server.url}${path}`, { agent: false });
    req.on('information', (info) => {
      if (info.statusCode !== 103) return;
      const link = info.headers.link;
      const links = Array.isArray(link) ? link : link ? link.split(/,\s*(?=<)/) : [];
      hints.push(links);
      onHint(links);
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ hints, status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An app with the worker above (PHP goes ahead once `go` exists), served by one worker. */
async function startHintsApp(options: {
  go: boolean;
  env?: Record<string, string>;
}): Promise<{ app: string; server: RunningServer }> {
  const app = tempDir('ephpm-early-hints-');
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'worker.php'), WORKER);
  if (options.go) writeFileSync(join(app, 'go'), '');
  const server = await startServer(['--root', app, '--worker', join(app, 'worker.php'), '--workers', '1'], {
    env: options.env,
  });
  return { app, server };
}

describe('103 Early Hints', () => {
  let app: string;
  let server: RunningServer;

  beforeAll(async () => {
    ({ app, server } = await startHintsApp({ go: true }));
  });
  afterAll(async () => server?.stop());
  beforeEach(() => {
    writeFileSync(join(app, 'go'), '');
    rmSync(join(app, 'no-links'), { force: true });
  });

  it("sends a page's preload links as a 103 before PHP has answered, once a 200 of it taught them", async () => {
    const first = await get(server, '/page');
    expect(first.hints).toEqual([]); // nothing learned yet
    expect(first.headers.link).toContain('rel=modulepreload');

    rmSync(join(app, 'go')); // PHP now waits for the go-ahead
    let hintedWhilePhpWaited = false;
    const second = get(server, '/page?from=query', (links) => {
      hintedWhilePhpWaited = !existsSync(join(app, 'go'));
      expect(links).toEqual(HINTS);
      writeFileSync(join(app, 'go'), '');
    });
    const answer = await second;
    expect(hintedWhilePhpWaited).toBe(true);
    expect(answer.hints).toEqual([HINTS]);
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('<html>page</html>');
  });

  it('forgets them once the page is served without them', async () => {
    await get(server, '/page');
    expect((await get(server, '/page')).hints).toEqual([HINTS]);
    writeFileSync(join(app, 'no-links'), '');
    expect((await get(server, '/page')).hints).toEqual([HINTS]); // sent before PHP said otherwise
    expect((await get(server, '/page')).hints).toEqual([]);
  });

  it('learns only from 200 HTML pages with preload links a browser can act on', async () => {
    for (const path of ['/json', '/missing', '/unsafe']) {
      await get(server, path);
      expect((await get(server, path)).hints, path).toEqual([]);
    }
  });

  it('sends no 103 to an HTTP/1.0 client, which would take it for the answer', async () => {
    await get(server, '/page');
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () =>
        socket.write('GET /page HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n'),
      );
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw).not.toContain('103');
  });
});

describe("the app's own 103 (Ephpm\\Octane\\send_early_hints)", () => {
  let app: string;
  let server: RunningServer;

  beforeAll(async () => {
    // Off: only the app's own 103 is sent.
    ({ app, server } = await startHintsApp({ go: false, env: { EPHPM_EARLY_HINTS: 'false' } }));
  });
  afterAll(async () => server?.stop());

  it('reaches the client while PHP has not answered yet, then the response follows', async () => {
    let hintedWhilePhpWaited = false;
    const answer = await get(server, '/own-hints', () => {
      hintedWhilePhpWaited = !existsSync(join(app, 'go'));
      writeFileSync(join(app, 'go'), '');
    });
    expect(hintedWhilePhpWaited).toBe(true);
    expect(answer.hints).toEqual([['</own.css>; rel=preload; as=style']]);
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('own');
  });
});

describe('103 Early Hints turned off', () => {
  let server: RunningServer;

  beforeAll(async () => {
    ({ server } = await startHintsApp({ go: true, env: { EPHPM_EARLY_HINTS: 'false' } }));
  });
  afterAll(async () => server?.stop());

  it('with EPHPM_EARLY_HINTS=false (--no-early-hints) the page comes without a 103', async () => {
    await get(server, '/page');
    const answer = await get(server, '/page');
    expect(answer.hints).toEqual([]);
    expect(answer.headers.link).toContain('rel=preload');
  });
});
