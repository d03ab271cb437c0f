import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../src/runtime/config/config.js';
import { createFrontServer } from '../../src/runtime/http/front-server.js';

function defaultConfig() {
  const root = mkdtempSync(join(tmpdir(), 'ephpm-front-'));
  writeFileSync(join(root, 'worker.php'), '<?php');
  return resolveServerConfig({ worker: 'worker.php' }, root);
}

describe("the worker's HTTP server", () => {
  it('answers 500 to a request its handler throws on, and serves the next one', async () => {
    let calls = 0;
    const server = createFrontServer(defaultConfig(), (req, res) => {
      if (++calls === 1) throw new Error('the front tripped');
      res.end(`served ${req.method} ${req.url}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const first = await fetch(`${url}/a`);
      expect(first.status).toBe(500);
      expect(await first.text()).toBe('500 Internal Server Error: the front tripped\n');
      const second = await fetch(`${url}/b`, { method: 'PURGE' });
      expect(await second.text()).toBe('served PURGE /b');
    } finally {
      server.close();
    }
  });
});
