import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { serverStatus } from '../helpers/status.js';

// Every worker process keeps in V8's heap each module it ever loaded: the packages only some requests need are loaded
// by the first request that needs them. Node's module debug log (NODE_DEBUG=module, one line per load, with the
// loading process's pid) tells which ones a worker has loaded.

const WORKER = `<?php
while ($r = \\Ephpm\\Octane\\take_request()) {
    $fields = implode(',', array_keys($r['post'] ?? []));
    \\Ephpm\\Octane\\send_response(200, ['Content-Type' => 'text/plain'], "php {$r['path']} {$fields}");
}
`;
const ON_DEMAND = ['busboy', '@fastify/send'];

describe("a worker's optional packages", () => {
  let server: RunningServer;
  let workerPid: number;

  beforeAll(async () => {
    const app = tempDir('ephpm-app-');
    mkdirSync(join(app, 'public'));
    writeFileSync(join(app, 'worker.php'), WORKER);
    writeFileSync(join(app, 'public', 'notes.txt'), 'a static file');
    server = await startServer(
      ['--root', app, '--worker', join(app, 'worker.php'), '--workers', '1', '--access-log-format', 'text'],
      { env: { NODE_DEBUG: 'module' } },
    );
    workerPid = (await serverStatus(server)).workers[0]!.pid;
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The packages the worker has loaded so far, of those named. */
  const loadedByWorker = (names: string[]) =>
    names.filter((name) =>
      server
        .output()
        .split('\n')
        .some((line) => line.startsWith(`MODULE ${workerPid}:`) && line.includes(`/node_modules/${name}/`)),
    );

  it('are not loaded while the worker serves PHP', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${server.url}/page-${i}`);
      expect(await response.text()).toBe(`php /page-${i} `);
    }
    expect(loadedByWorker(ON_DEMAND)).toEqual([]);
    expect(loadedByWorker(['pino'])).toEqual([]);
  });

  it('are loaded by the first request that needs them, which they serve', async () => {
    const file = await fetch(`${server.url}/notes.txt`);
    expect([file.status, file.headers.get('content-type'), await file.text()]).toEqual([
      200,
      'text/plain; charset=utf-8',
      'a static file',
    ]);
    const form = new FormData();
    form.append('title', 'hello');
    form.append('upload', new Blob(['bytes']), 'a.bin');
    const posted = await fetch(`${server.url}/form`, { method: 'POST', body: form });
    expect(await posted.text()).toBe('php /form title');
    expect(loadedByWorker(ON_DEMAND)).toEqual(ON_DEMAND);
  });
});
