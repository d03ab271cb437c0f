import { mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StaticFiles } from '../../src/runtime/http/static-files.js';

const get = { method: 'GET', headers: {} } as IncomingMessage;

describe('requests that surely go to PHP', () => {
  it('are those that are not GET or HEAD, and paths found to hold no file in the last second', async () => {
    const publicDir = mkdtempSync(join(tmpdir(), 'ephpm-public-'));
    const statics = new StaticFiles(publicDir);
    expect(statics.surelyNotStatic('POST', '/robots.txt')).toBe(true);
    expect(statics.surelyNotStatic('GET', '/api/health')).toBe(false); // not looked up yet
    expect(await statics.tryServe(get, {} as ServerResponse, '/api/health')).toBe(-1);
    expect(statics.surelyNotStatic('GET', '/api/health')).toBe(true);
    expect(statics.surelyNotStatic('HEAD', '/api/health')).toBe(true);

    writeFileSync(join(publicDir, 'new.txt'), 'new');
    expect(statics.surelyNotStatic('GET', '/new.txt')).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(statics.surelyNotStatic('GET', '/api/health')).toBe(false); // looked up again: a file may have come
  });
});
