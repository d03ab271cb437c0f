import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, getJson, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { httpsGetText, writeSelfSignedCertificate } from '../helpers/tls.js';
import { waitFor } from '../helpers/wait-for.js';

type Json = Record<string, any>;
type Part = { name: string; value: string } | { name: string; filename: string; type?: string; content: Buffer };

const BOUNDARY = 'ephpm-fidelity-boundary';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

function partHead(part: Part): string {
  if ('value' in part) return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n`;
  return (
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\n` +
    `Content-Type: ${part.type ?? 'application/octet-stream'}\r\n\r\n`
  );
}

function multipart(parts: Part[]): Uint8Array<ArrayBuffer> {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    pieces.push(
      Buffer.from(partHead(part)),
      'value' in part ? Buffer.from(part.value) : part.content,
      Buffer.from('\r\n'),
    );
  }
  pieces.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return new Uint8Array(Buffer.concat(pieces));
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Sizes of the files in `dir` (a file removed meanwhile is left out). */
function fileSizes(dir: string): number[] {
  return readdirSync(dir).flatMap((name) => statSync(join(dir, name), { throwIfNoEntry: false })?.size ?? []);
}

function makeApp(extraToml = ''): string {
  const app = tempDir('ephpm-fidelity-');
  mkdirSync(join(app, 'public'));
  writeFileSync(
    join(app, 'ephpm.toml'),
    `[server]\nworker = "${fixture('workers', 'fidelity.php')}"\nworkers = 1\n${extraToml}\n` +
      '[php]\nupload_max_filesize = "64M"\n',
  );
  return app;
}

/** A POST whose body the test writes itself (in pieces, or never finished). */
function openUpload(
  port: number,
  contentLength: number,
): { request: ClientRequest; response: Promise<{ status: number; body: string }> } {
  const request = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/inspect',
    headers: { 'Content-Type': MULTIPART, 'Content-Length': contentLength },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    request.on('error', reject);
  });
  return { request, response };
}

describe('the request array, as PHP under php-fpm would see the request', () => {
  let server: RunningServer;
  let app: string;
  /** The worker's private directory for uploads, learned from the first upload. */
  let uploadDir: string;

  beforeAll(async () => {
    app = makeApp();
    server = await startServer(['--root', app], { env: { EPHPM_FIDELITY_SECRET: 'not-for-php-server-array' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const inspect = (path: string, init?: RequestInit) => getJson<Json>(`${server.url}${path}`, init);
  // Node removes a request's files once its response is complete, which the
  // client may see a moment before that when PHP wrote the response itself.
  const uploadDirEmptied = () => waitFor(() => readdirSync(uploadDir).length === 0, 'the upload directory to be empty');

  async function upload(parts: Part[], query = ''): Promise<Json> {
    const data = await inspect(`/inspect${query}`, {
      method: 'POST',
      body: multipart(parts),
      headers: { 'Content-Type': MULTIPART },
    });
    const tmpName = Object.values<Json>(data.files)
      .map((file) => file.tmp_name)
      .find((name) => typeof name === 'string' && name !== '');
    if (tmpName) uploadDir = dirname(tmpName);
    return data;
  }

  it('gives $_SERVER as php-fpm gives it to public/index.php, headers as HTTP_*, without the environment', async () => {
    const { server: vars } = await inspect('/inspect?x=1&y=2', {
      headers: { 'X-Custom-Header': 'custom', X_Spoofed: 'no', Proxy: 'http://evil', Accept: 'text/html' },
    });
    expect(vars).toMatchObject({
      REQUEST_METHOD: 'GET',
      REQUEST_URI: '/inspect?x=1&y=2',
      QUERY_STRING: 'x=1&y=2',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REQUEST_SCHEME: 'http',
      SERVER_NAME: '127.0.0.1',
      SERVER_PORT: String(server.port),
      SERVER_ADDR: '127.0.0.1',
      REMOTE_ADDR: '127.0.0.1',
      HTTP_HOST: `127.0.0.1:${server.port}`,
      HTTP_X_CUSTOM_HEADER: 'custom',
      HTTP_ACCEPT: 'text/html',
      SCRIPT_NAME: '/index.php',
      PHP_SELF: '/index.php',
      DOCUMENT_ROOT: join(app, 'public'),
      SCRIPT_FILENAME: join(app, 'public', 'index.php'),
    });
    expect(vars.REMOTE_PORT).toMatch(/^\d+$/);
    expect(vars.REQUEST_TIME).toBe(Math.floor(vars.REQUEST_TIME_FLOAT));
    expect(Math.abs(vars.REQUEST_TIME_FLOAT - Date.now() / 1000)).toBeLessThan(600);
    expect(vars).not.toHaveProperty('HTTPS');
    // Dropped as nginx does: an underscore name posing as another header, and httpoxy's HTTP_PROXY.
    expect(vars).not.toHaveProperty('HTTP_X_SPOOFED');
    expect(vars).not.toHaveProperty('HTTP_PROXY');
    expect(vars).not.toHaveProperty('PATH');
    expect(Object.values(vars)).not.toContain('not-for-php-server-array');
  });

  it('puts Content-Type and Content-Length in $_SERVER without the HTTP_ prefix, as CGI does', async () => {
    const { server: vars } = await inspect('/inspect', {
      method: 'POST',
      body: 'raw',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(vars).toMatchObject({ REQUEST_METHOD: 'POST', CONTENT_TYPE: 'text/plain', CONTENT_LENGTH: '3' });
    expect(vars).not.toHaveProperty('HTTP_CONTENT_TYPE');
    expect(vars).not.toHaveProperty('HTTP_CONTENT_LENGTH');
  });

  it('parses the query string as $_GET: lists, nested keys, dots and spaces in names, url-decoding', async () => {
    const { query } = await inspect(
      '/inspect?a[]=1&a[]=2&a.b=3&x[y][z]=4&sp%20ace=5&q=%20+%2B&n[0]=x&n[5]=y&n[]=z&flag',
    );
    expect(query).toEqual({
      a: ['1', '2'],
      a_b: '3',
      x: { y: { z: '4' } },
      sp_ace: '5',
      q: '  +',
      n: { 0: 'x', 5: 'y', 6: 'z' },
      flag: '',
    });
  });

  it('parses cookies as $_COOKIE: the first of a name wins, values raw-url-decoded, names mangled and nested', async () => {
    const { cookies } = await inspect('/inspect', {
      headers: { Cookie: 'session=a%20b+c; a.b=1; session=second; c[d]=2; c[e]=3;  spaced=4; =nameless; flag' },
    });
    expect(cookies).toEqual({ session: 'a b+c', a_b: '1', c: { d: '2', e: '3' }, spaced: '4', flag: '' });
  });

  it('fills post from a urlencoded POST and keeps the raw body for getContent()', async () => {
    const body = 'name=Ada+Lovelace&tags[]=math&tags[]=code&address[city]=London&e%C3%A9=%C3%A9';
    const data = await inspect('/inspect', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
    });
    expect(data.post).toEqual({ name: 'Ada Lovelace', tags: ['math', 'code'], address: { city: 'London' }, eé: 'é' });
    expect(data.body).toBe(body);
    expect(data.files).toEqual([]);
  });

  it('gives other content types no post and no files, and leaves a PUT form unparsed as PHP does', async () => {
    const json = await inspect('/inspect', {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect([json.post, json.files, json.body]).toEqual([[], [], '{"a":1}']);
    const put = await inspect('/inspect', {
      method: 'PUT',
      body: multipart([{ name: 'a', value: '1' }]),
      headers: { 'Content-Type': MULTIPART },
    });
    expect([put.post, put.files]).toEqual([[], []]);
    expect(put.body).toContain('name="a"');
  });

  it('builds post and files from a multipart form exactly in the shape of $_POST and $_FILES', async () => {
    const data = await upload([
      { name: 'title', value: 'Report' },
      { name: 'meta[tags][]', value: 'a' },
      { name: 'meta[tags][]', value: 'b' },
      { name: 'avatar', filename: 'me.png', type: 'image/png', content: Buffer.from('PNG!') },
      { name: 'docs[]', filename: 'one.txt', type: 'text/plain', content: Buffer.from('first') },
      { name: 'docs[]', filename: 'two.txt', type: 'text/plain', content: Buffer.from('second!') },
      { name: 'nested[x]', filename: 'folder/x.txt', type: 'text/plain', content: Buffer.from('x') },
      { name: 'empty', filename: '', content: Buffer.alloc(0) },
    ]);
    expect(data.post).toEqual({ title: 'Report', meta: { tags: ['a', 'b'] } });
    expect(data.body).toBe(''); // php://input is empty for multipart under php-fpm
    expect(data.body_file).toBeNull();

    const { avatar, docs, nested, empty } = data.files;
    expect(avatar).toMatchObject({ name: 'me.png', full_path: 'me.png', type: 'image/png', error: 0, size: 4 });
    expect(avatar.tmp_name.startsWith(uploadDir + '/')).toBe(true);
    expect(docs).toMatchObject({
      name: ['one.txt', 'two.txt'],
      type: ['text/plain', 'text/plain'],
      error: [0, 0],
      size: [5, 7],
    });
    expect(docs.tmp_name).toHaveLength(2);
    expect(nested).toMatchObject({
      name: { x: 'x.txt' },
      full_path: { x: 'folder/x.txt' },
      type: { x: 'text/plain' },
      error: { x: 0 },
      size: { x: 1 },
    });
    expect(Object.keys(nested)).toEqual(['name', 'full_path', 'type', 'tmp_name', 'error', 'size']);
    expect(empty).toEqual({ name: '', full_path: '', type: '', tmp_name: '', error: 4, size: 0 }); // UPLOAD_ERR_NO_FILE
    expect(data.uploads).toMatchObject({
      avatar: { is_uploaded_file: true },
      'docs.0': { is_uploaded_file: true },
      'nested.x': { is_uploaded_file: true },
      empty: { is_uploaded_file: false },
    });
  });

  it('uploads a 10 MB file that move_uploaded_file() moves intact', async () => {
    const content = randomBytes(10 * 1024 * 1024);
    const target = tempDir('ephpm-moved-');
    const data = await upload(
      [{ name: 'video', filename: 'clip.bin', content }],
      `?move_to=${encodeURIComponent(target)}`,
    );
    expect(data.files.video).toMatchObject({ error: 0, size: content.length });
    expect(data.uploads.video).toEqual({
      is_uploaded_file: true,
      moved: true,
      sha256: sha256(content),
      uploaded_after_move: false,
    });
    expect(statSync(join(target, 'video')).size).toBe(content.length);
  });

  it('removes every temp file of a request after its response, and forgets them as uploaded files', async () => {
    const data = await upload([
      { name: 'a', filename: 'a.txt', content: Buffer.from('aaa') },
      { name: 'b[]', filename: 'b.txt', content: Buffer.from('bbb') },
    ]);
    const paths = [data.files.a.tmp_name, data.files.b.tmp_name[0]];
    await uploadDirEmptied();
    for (const path of paths) {
      expect(await inspect(`/is-uploaded?path=${encodeURIComponent(path)}`)).toEqual({
        is_uploaded_file: false,
        exists: false,
      });
    }
    expect(statSync(uploadDir).mode & 0o777).toBe(0o700);
  });

  it('writes an upload to disk as it arrives, never holding the file in memory', async () => {
    await uploadDirEmptied();
    const content = randomBytes(20 * 1024 * 1024);
    const head = Buffer.from(partHead({ name: 'big', filename: 'big.bin', content }));
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    const { request, response } = openUpload(server.port, head.length + content.length + tail.length);
    const firstPart = 16 * 1024 * 1024;
    request.write(head);
    request.write(content.subarray(0, firstPart));
    // Before the client has sent the rest, what it sent is already in the temp file.
    const onDisk = await waitFor(
      () => fileSizes(uploadDir).find((size) => size >= firstPart - 1024 * 1024),
      'the upload to reach the temp file',
    );
    expect(onDisk).toBeLessThanOrEqual(firstPart);
    request.end(Buffer.concat([content.subarray(firstPart), tail]));
    const { status, body } = await response;
    expect(status).toBe(200);
    expect(JSON.parse(body).files.big).toMatchObject({ error: 0, size: content.length });
  });

  it('answers a malformed multipart body with 400, leaves nothing on disk, and keeps serving', async () => {
    const truncated = Buffer.concat([
      Buffer.from(partHead({ name: 'f', filename: 'f.txt', content: Buffer.alloc(0) })),
      randomBytes(64 * 1024),
    ]);
    const response = await fetch(`${server.url}/inspect`, {
      method: 'POST',
      body: truncated,
      headers: { 'Content-Type': MULTIPART },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(
      /^400 Bad Request: the multipart\/form-data body is malformed \(Unexpected end of form\)/,
    );
    const noBoundary = await fetch(`${server.url}/inspect`, {
      method: 'POST',
      body: 'x',
      headers: { 'Content-Type': 'multipart/form-data' },
    });
    expect(noBoundary.status).toBe(400);
    expect(await noBoundary.text()).toMatch(/malformed \(Multipart: Boundary not found\)/);
    await uploadDirEmptied();
    expect((await fetch(`${server.url}/pid`)).status).toBe(200);
  });

  it('removes the temp file of an upload whose client disconnects halfway', async () => {
    await uploadDirEmptied();
    const content = randomBytes(4 * 1024 * 1024);
    const head = Buffer.from(partHead({ name: 'gone', filename: 'gone.bin', content }));
    const { request, response } = openUpload(server.port, head.length + content.length + 100);
    response.catch(() => undefined);
    request.write(head);
    request.write(content.subarray(0, 2 * 1024 * 1024));
    await waitFor(() => fileSizes(uploadDir).some((size) => size > 0), 'the upload to start on disk');
    request.destroy();
    await uploadDirEmptied();
    expect((await fetch(`${server.url}/pid`)).status).toBe(200);
  });

  it('keeps the process stdout and stderr open when PHP closes php://stdout, php://stderr or STDOUT, then dies', async () => {
    const { pid } = await inspect('/pid');
    for (const then of ['fatal', 'exit']) {
      const from = server.output().length;
      expect((await fetch(`${server.url}/close-std?then=${then}`)).status).toBe(500);
      if (then === 'fatal') await server.waitFor(/PHP Fatal error: +fatal after closing stdout/, from); // PHP's log: stderr
      // The re-booted script opened php://stdout, and the same worker process still answers and logs (stdout).
      expect(await inspect(`/pid?after=${then}`)).toEqual({ pid });
      await server.waitFor(new RegExp(`200 GET +/pid\\?after=${then}`), from);
    }
  });
});

describe('the request array over TLS', () => {
  it('says HTTPS is on in $_SERVER, as php-fpm does for an https request', async () => {
    const app = makeApp('\n[server.tls]\ncert = "cert.pem"\nkey = "key.pem"');
    writeSelfSignedCertificate(app);
    const server = await startServer(['--root', app]);
    try {
      expect(JSON.parse(await httpsGetText(`${server.url}/inspect`)).server).toMatchObject({
        HTTPS: 'on',
        REQUEST_SCHEME: 'https',
        SERVER_PORT: String(server.port),
      });
    } finally {
      await server.stop();
    }
  });
});
