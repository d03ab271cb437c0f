import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorker, getJson, repoRoot, startServer, type RunningServer } from '../helpers/ephpm-server.js';

describe('requests and responses through the embedded PHP', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(['--worker', appWorker, '--workers', '2']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers the hello worker that ships in stubs/', async () => {
    const hello = await startServer(['--worker', `${repoRoot}/stubs/hello/worker.php`, '--workers', '1']);
    try {
      const response = await fetch(hello.url, { headers: { 'X-Name': 'ephpm' } });
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/^Hello, ephpm! Worker \d+ has served 1 request since it booted/);
    } finally {
      await hello.stop();
    }
  });

  it('gives PHP the method, URI, query, protocol, headers, cookies and addresses', async () => {
    const data = await getJson<Record<string, any>>(`${server.url}/request?name=ada&list[]=1&list[]=2`, {
      headers: { 'X-Custom': 'value', Cookie: 'session=abc%20def; theme=dark' },
    });
    expect(data.method).toBe('GET');
    expect(data.uri).toBe('/request?name=ada&list[]=1&list[]=2');
    expect(data.path).toBe('/request');
    expect(data.query).toEqual({ name: 'ada', list: ['1', '2'] });
    expect(data.protocol).toBe('HTTP/1.1');
    expect(data.scheme).toBe('http');
    expect(data.headers['x-custom']).toBe('value');
    expect(data.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(data.cookies).toEqual({ session: 'abc def', theme: 'dark' });
    expect(data.remote_addr).toBe('127.0.0.1');
    expect(data.remote_port).toBeGreaterThan(0);
    expect(data.server_port).toBe(server.port);
  });

  it('keeps every value of a repeated response header, such as several Set-Cookie', async () => {
    const response = await fetch(`${server.url}/cookies`);
    expect(response.headers.getSetCookie()).toEqual(['first=1; Path=/', 'second=2; Path=/; HttpOnly']);
    expect(response.headers.get('x-multi')).toBe('a, b');
  });

  it('answers from echoed output, header() and http_response_code() when the script sends no explicit response', async () => {
    const response = await fetch(`${server.url}/echo`);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-from-header')).toBe('yes');
    expect(await response.text()).toBe('echoed output');
  });

  it('puts output echoed before an explicit response in front of its body, with header() headers', async () => {
    const response = await fetch(`${server.url}/echo-then-respond`);
    expect(response.headers.get('x-early')).toBe('1');
    expect(await response.text()).toBe('before-body');
  });

  it('answers a request exactly once; a second answer is refused inside PHP', async () => {
    const response = await fetch(`${server.url}/twice`);
    expect(await response.text()).toBe('once');
    expect((await fetch(`${server.url}/pid`)).status).toBe(200);
  });

  for (const size of [0, 1_000, 1024 * 1024 + 1, 10 * 1024 * 1024]) {
    it(`delivers a POST body of ${size} bytes intact`, async () => {
      const body = Buffer.alloc(size, 'ab');
      const data = await getJson<Record<string, any>>(`${server.url}/request`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      expect(data.method).toBe('POST');
      expect(data.body_size).toBe(size);
      expect(data.body_md5).toBe(createHash('md5').update(body).digest('hex'));
      // Bodies over 1 MiB travel as a temp file instead of a second in-memory copy.
      expect(data.body_in_memory).toBe(size <= 1024 * 1024);
    });
  }

  it('answers HEAD without a body but with the length PHP produced', async () => {
    const response = await fetch(`${server.url}/cookies`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String('cookies set'.length));
    expect(await response.text()).toBe('');
  });

  it('sends 204 without a body or a Content-Length', async () => {
    const response = await fetch(`${server.url}/no-content`);
    expect(response.status).toBe(204);
    expect(response.headers.get('x-done')).toBe('yes');
    expect(response.headers.get('content-length')).toBeNull();
    expect(await response.text()).toBe('');
  });

  it('turns a header Node cannot send into a clear 500', async () => {
    const response = await fetch(`${server.url}/bad-header`);
    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/invalid response header/);
  });

  it('runs PHP with OPcache on and the extensions Laravel needs loaded', async () => {
    const data = await getJson<Record<string, any>>(`${server.url}/runtime`);
    expect(data.opcache_enabled).toBe(true);
    for (const extension of [
      'mbstring',
      'xml',
      'curl',
      'sqlite3',
      'pdo_sqlite',
      'intl',
      'zip',
      'bcmath',
      'tokenizer',
      'ctype',
      'fileinfo',
    ]) {
      expect(data.extensions).toContain(extension);
    }
  });

  it('survives deep recursion thanks to the large PHP thread stack', async () => {
    const data = await getJson<{ depth: number }>(`${server.url}/deep?depth=20000`);
    expect(data.depth).toBe(20000);
  });
});
