import { validHost, validHostHeaders } from './host-header.js';

/**
 * What PHP is given of a request target (RFC 9112 §3.2): origin-form (`/path?query`) as sent;
 * absolute-form (`http://host:port/path?query`, what clients send to proxies, and any server must
 * accept) as its path and query, with the host it names replacing the Host header (§3.2.2), as
 * nginx does; asterisk-form (`OPTIONS *`) as `*`. Authority-form is CONNECT's, which is refused
 * before it gets here (http-front.ts). `null`: no form a server accepts (400).
 */
export interface RequestTarget {
  uri: string;
  /** absolute-form: the authority it names, for the Host header. */
  host: string | null;
}

const ABSOLUTE_FORM = /^https?:\/\/(?:[^/?#@]*@)?([^/?#]+)([^#]*)/i;

export function requestTarget(url: string, method: string): RequestTarget | null {
  if (url.startsWith('/')) return { uri: url, host: null };
  if (url === '*') return method === 'OPTIONS' ? { uri: '*', host: null } : null;
  const absolute = ABSOLUTE_FORM.exec(url);
  if (!absolute) return null;
  const rest = absolute[2]!;
  return { uri: rest.startsWith('/') ? rest : `/${rest}`, host: absolute[1]! };
}

/**
 * Whether the path (before any `?`) percent-decodes: a `%` not followed by two hex digits, or escapes that are not
 * UTF-8, make a 400 before the request goes anywhere, static or PHP, as nginx answers `/100%.txt`.
 */
export function decodablePath(uri: string): boolean {
  const path = pathOf(uri);
  if (!path.includes('%')) return true;
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** The path of an origin-form target: what comes before any `?`. */
export function pathOf(uri: string): string {
  const query = uri.indexOf('?');
  return query === -1 ? uri : uri.slice(0, query);
}

/**
 * The target a request is served under, or the message of its 400: a target in no form a server accepts, a path that
 * does not percent-decode, more than one Host header, or a Host (or absolute-form host) that is not `host[:port]`.
 */
export function acceptedTarget(url: string, method: string, rawHeaders: string[]): RequestTarget | string {
  const target = url.startsWith('/') ? { uri: url, host: null } : requestTarget(url, method);
  if (!target)
    return '400 Bad Request: the request target is not a path (/…), an absolute URL (http://host/…) or, for OPTIONS, *.\n';
  if (!decodablePath(target.uri))
    return '400 Bad Request: the path has a % that is not followed by two hex digits of UTF-8.\n';
  if (!validHostHeaders(rawHeaders) || (target.host !== null && !validHost(target.host)))
    return '400 Bad Request: more than one Host header, or a Host that is not host or host:port.\n';
  return target;
}
