import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';

// A static file's path is percent-decoded once, as nginx decodes it: `%25` is a literal `%` in the file's name.

const WORKER = `<?php
while ($r = \\Ephpm\\Octane\\take_request()) {
    \\Ephpm\\Octane\\send_response(200, ['Content-Type' => 'text/plain'], 'php:' . $r['path']);
}
`;

function makeApp(): string {
  const app = tempDir('ephpm-app-');
  mkdirSync(join(app, 'public', 'css'), { recursive: true });
  writeFileSync(join(app, 'worker.php'), WORKER);
  writeFileSync(join(app, 'public', 'p%41.txt'), 'the file named p%41.txt');
  writeFileSync(join(app, 'public', 'pA.txt'), 'the file named pA.txt');
  writeFileSync(join(app, 'public', '100%.txt'), 'the file named 100%.txt');
  writeFileSync(join(app, 'public', 'css', 'app.css'), 'body{}');
  return app;
}

describe('static file paths with percent-encodings', () => {
  let server: RunningServer;

  beforeAll(async () => {
    const app = makeApp();
    server = await startServer(['--root', app, '--worker', join(app, 'worker.php'), '--workers', '1']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const get = async (path: string) => {
    const response = await fetch(`${server.url}${path}`);
    return [response.status, await response.text()];
  };

  it('are decoded once, as nginx decodes them: %25 is a % in the name', async () => {
    expect(await get('/p%2541.txt')).toEqual([200, 'the file named p%41.txt']);
    expect(await get('/100%25.txt')).toEqual([200, 'the file named 100%.txt']);
    expect(await get('/p%41.txt')).toEqual([200, 'the file named pA.txt']);
    expect(await get('/css%2Fapp.css')).toEqual([200, 'body{}']);
  });

  it('answer 400 when a % is not followed by two hex digits, as nginx does', async () => {
    expect((await get('/100%.txt'))[0]).toBe(400);
    expect((await get('/%zz.txt'))[0]).toBe(400);
  });
});
