import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A request crosses into the addon as one positional call (embedded-php.ts dispatch() → php_napi.cc Dispatch):
// nothing but this test checks the order. The probe gives every argument a value no other one has and reports
// where each landed, so two arguments swapped on either side show up as a value in the wrong place.

const probe = fileURLToPath(new URL('../fixtures/native-boundary/probe.mjs', import.meta.url));

describe('the positional dispatch() into the addon', () => {
  const journalPath = `/dev/shm/ephpm-test-boundary-${process.pid}`;
  let scratch = '';
  let seen: any;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'ephpm-boundary-'));
    // The probe starts PHP in its own process: one PHP per process, and this one runs vitest.
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [probe, scratch, journalPath], {
      timeout: 30_000,
    }).catch((error: { message: string; stdout?: string; stderr?: string }) => {
      throw new Error(`the probe failed: ${error.message}\nstdout: ${error.stdout}\nstderr: ${error.stderr}`);
    });
    const line = stdout.trim().split('\n').pop() ?? '';
    try {
      seen = JSON.parse(line);
    } catch {
      throw new Error(`the probe printed no JSON line\nstdout: ${stdout}\nstderr: ${stderr}`);
    }
  });
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    rmSync(journalPath, { force: true });
  });

  /** PHP's request array for one probe request, after checking it came back through the sink under its own id. */
  function phpSaw(name: string, id: number): any {
    const answer = seen[name];
    expect(answer.via, `${name}: PHP's answer reached the sink of id ${id}`).toBe('head');
    expect(answer.php.request.id, `${name}: id → $request['id']`).toBe(id);
    return answer.php.request;
  }

  it('head: method, uri, protocol, scheme, both addresses and the headers', () => {
    const request = phpSaw('form', 101);
    const server = request.server;
    expect(request.method, "method → $request['method']").toBe('PATCH');
    expect(server.REQUEST_METHOD, 'method → REQUEST_METHOD').toBe('PATCH');
    expect(request.uri, "uri → $request['uri']").toBe('/seen?q=1');
    expect(server.REQUEST_URI, 'uri → REQUEST_URI').toBe('/seen?q=1');
    expect(server.QUERY_STRING, "uri's query → QUERY_STRING").toBe('q=1');
    expect(request.query, "uri's query → $request['query']").toEqual({ q: '1' });
    expect(request.protocol, "protocol → $request['protocol']").toBe('HTTP/1.0');
    expect(server.SERVER_PROTOCOL, 'protocol → SERVER_PROTOCOL').toBe('HTTP/1.0');
    expect(request.scheme, "scheme → $request['scheme']").toBe('https');
    expect(server.REQUEST_SCHEME, 'scheme → REQUEST_SCHEME').toBe('https');
    expect(server.HTTPS, 'scheme https → HTTPS').toBe('on');
    expect(request.remote_addr, "remoteAddress → $request['remote_addr']").toBe('10.1.2.3');
    expect(server.REMOTE_ADDR, 'remoteAddress → REMOTE_ADDR').toBe('10.1.2.3');
    expect(request.server_addr, "serverAddress → $request['server_addr']").toBe('10.9.8.7');
    expect(server.SERVER_ADDR, 'serverAddress → SERVER_ADDR').toBe('10.9.8.7');
    expect(server.SERVER_NAME, 'serverAddress → SERVER_NAME (no Host header)').toBe('10.9.8.7');
    expect(request.headers, "raw headers → $request['headers']").toEqual({
      'x-probe': 'probe-value',
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(server.HTTP_X_PROBE, 'raw headers → HTTP_X_PROBE').toBe('probe-value');
  });

  it('remotePort and serverPort', () => {
    const request = phpSaw('form', 101);
    expect(request.remote_port, "remotePort → $request['remote_port']").toBe(40001);
    expect(request.server.REMOTE_PORT, 'remotePort → REMOTE_PORT').toBe('40001');
    expect(request.server_port, "serverPort → $request['server_port']").toBe(8123);
    expect(request.server.SERVER_PORT, 'serverPort → SERVER_PORT').toBe('8123');
  });

  it('time', () => {
    const request = phpSaw('form', 101);
    expect(request.request_time_float, "time → $request['request_time_float']").toBe(1234567890.25);
    expect(request.server.REQUEST_TIME_FLOAT, 'time → REQUEST_TIME_FLOAT').toBe(1234567890.25);
    expect(request.server.REQUEST_TIME, 'time → REQUEST_TIME').toBe(1234567890);
  });

  it('body, bodySize and postForm 1: the body in memory, parsed as a urlencoded form', () => {
    const request = phpSaw('form', 101);
    expect(request.body, "body → $request['body']").toBe('field=url+encoded&other=2&pad=xyz');
    expect(request.body_size, "bodySize → $request['body_size']").toBe(33);
    expect(request.body_file, "bodyFile null → $request['body_file']").toBeNull();
    expect(request.post, "postForm 1 → $request['post'] parsed from body").toEqual({
      field: 'url encoded',
      other: '2',
      pad: 'xyz',
    });
    expect(request.files, "no form → $request['files']").toEqual([]);
  });

  it('bodyFile and bodySize with body null: the body spooled to a file', () => {
    const request = phpSaw('spooled', 202);
    expect(request.body, "body null → $request['body']").toBeNull();
    expect(request.body_file, "bodyFile → $request['body_file']").toBe(join(scratch, 'spooled-body'));
    expect(seen.spooled.php.body_file_content, "bodyFile's content, read by PHP").toBe('spooled=from+a+file&n=3');
    expect(request.body_size, "bodySize → $request['body_size']").toBe(23);
    expect(request.post, "postForm 1 → $request['post'] parsed from bodyFile").toEqual({
      spooled: 'from a file',
      n: '3',
    });
    expect(request.remote_port, 'remotePort → remote_port').toBe(40002);
    expect(request.server_port, 'serverPort → server_port').toBe(8124);
    expect(request.server.REQUEST_TIME_FLOAT, 'time → REQUEST_TIME_FLOAT').toBe(1234567891.5);
  });

  it('postForm 2 and form: multipart parts as $_POST and $_FILES', () => {
    const request = phpSaw('multipart', 203);
    expect(request.post, "form's field → $request['post']").toEqual({ field: 'multipart value' });
    expect(request.files, "form's file → $request['files']").toEqual({
      upload: {
        name: 'probe.txt',
        full_path: 'dir/probe.txt',
        type: 'text/x-probe',
        tmp_name: join(scratch, 'upload'),
        error: 0,
        size: seen.uploadSize,
      },
    });
    expect(seen.multipart.php.uploaded, "form's file → is_uploaded_file()").toEqual({ upload: true });
    expect(request.body_size, "bodySize → $request['body_size']").toBe(345);
    expect(request.body_file, "bodyFile null → $request['body_file']").toBeNull();
  });

  it('directSocket and keepAliveSeconds: PHP writes the response to the socket, keep-alive with those seconds', () => {
    const answer = seen.keptAlive;
    expect(answer.via, 'directSocket → PHP wrote to the socket (the sink got written)').toBe('written');
    expect(answer.status, 'written: status').toBe(200);
    expect(answer.connectionCloses, 'keepAliveSeconds 7 → the connection stays open').toBe(false);
    expect(answer.response, `the client received a complete response (got: ${answer.received})`).not.toBeNull();
    expect(answer.response.head, 'keepAliveSeconds 7 → the head on the wire').toMatch(
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\nConnection: keep-alive\r\nKeep-Alive: timeout=7$/,
    );
    expect(answer.response.body.request.id, 'id → the response on this socket').toBe(301);
    expect(answer.response.body.request.server.REMOTE_PORT, 'remotePort → REMOTE_PORT').toBe('40004');
  });

  it('directSocket with keepAliveSeconds 0: the response says Connection: close', () => {
    const answer = seen.closing;
    expect(answer.via, 'directSocket → PHP wrote to the socket (the sink got written)').toBe('written');
    expect(answer.connectionCloses, 'keepAliveSeconds 0 → the connection closes').toBe(true);
    expect(answer.response, `the client received a complete response (got: ${answer.received})`).not.toBeNull();
    expect(answer.response.head, 'keepAliveSeconds 0 → the head on the wire').toMatch(/\r\nConnection: close$/);
    expect(answer.response.head, 'keepAliveSeconds 0 → no Keep-Alive').not.toMatch(/Keep-Alive/i);
    expect(answer.response.body.request.id, 'id → the response on this socket').toBe(302);
    expect(answer.directSocket, 'each adopted socket has an id of its own').not.toBe(seen.keptAlive.directSocket);
  });

  it('connection: the journal keeps a queued request under its connection id until PHP starts it', () => {
    expect(seen.journal.runningConnection, 'connection 17 of the request PHP is running').toBe(17);
    expect(seen.journal.byConnection, 'connection 4242 → the queued request in the journal, as bytes').toEqual({
      4242: 'PUT /journal?x=2 HTTP/1.1\r\nHost: journal.test\r\nX-Probe: journal\r\nContent-Length: 12\r\n\r\njournal-body',
    });
    phpSaw('sleeping', 401);
    expect(phpSaw('queued', 402).body, 'the queued request, once PHP ran it').toBe('journal-body');
  });

  it('PHP logged nothing', () => {
    expect(seen.logs).toEqual([]);
  });
});
