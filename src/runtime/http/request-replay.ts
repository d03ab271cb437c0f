// A request a busy worker read and never started goes to another worker as bytes that worker parses first on the
// connection (node-internals.ts parseBeforeReading): the request line as sent, the headers in order, and the body
// read so far as a Content-Length body (it arrived whole: PHP is only ever given complete requests).
export function requestBytes(
  method: string,
  target: string,
  httpVersion: string,
  rawHeaders: readonly string[],
  body: Buffer | null,
): Buffer {
  let head = `${method} ${target} HTTP/${httpVersion}\r\n`;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    // The framing is this body's own; the client's 100-continue was answered (or not needed) already.
    if (name === 'content-length' || name === 'transfer-encoding' || name === 'expect') continue;
    head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  }
  const length = body?.length ?? 0;
  if (length > 0 || method === 'POST' || method === 'PUT' || method === 'PATCH')
    head += `Content-Length: ${length}\r\n`;
  const headBytes = Buffer.from(`${head}\r\n`, 'latin1'); // Node hands header values over as latin1
  return length > 0 ? Buffer.concat([headBytes, body!]) : headBytes;
}
