import { request, type IncomingHttpHeaders } from 'node:http';

/** A browser's cookie jar, enough for one site: names to values, from Set-Cookie headers. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const equals = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, equals), pair!.slice(equals + 1));
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** fetch() with the jar's cookies, storing the ones the response sets; redirects are not followed. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('Cookie', this.header());
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.store(response);
    return response;
  }
}

/** The body of a response, chunk by chunk as it arrives. */
export async function* chunks(response: Response): AsyncGenerator<Buffer> {
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield Buffer.from(value);
  }
}

/**
 * fetch() and the JSON body, asking for JSON (Laravel then renders its errors as JSON too): a failure shows the
 * status and the app's error message, not a whole HTML error page.
 */
export async function fetchJson<T = Record<string, unknown>>(url: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (!headers.has('Accept')) headers.set('Accept', 'application/json');
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${text.slice(0, 2000)}`);
  return JSON.parse(text) as T;
}

/**
 * One request on a connection of its own: the cluster hands new connections to the worker processes in turn, while
 * fetch() would reuse a kept-alive connection to one of them.
 */
export function onNewConnection<T>(url: string, body?: string): Promise<{ status: number; json: T }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: body === undefined ? 'GET' : 'POST', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as T }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * GET (or `method`) with exactly these request headers, through Node's own client: fetch() adds
 * `Cache-Control: no-cache` to a conditional request (the Fetch standard), which a server must answer in full.
 */
export function plainRequest(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false, timeout: 20_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`no answer to ${method} ${url} within 20s`)));
    req.once('error', reject);
    req.end();
  });
}
