/**
 * RFC 9112 §3.2: a request with more than one Host header, or with a Host that is not `uri-host[:port]`
 * (RFC 3986), is answered 400 and never reaches PHP, where `HTTP_HOST` and `SERVER_NAME` would carry it
 * into URLs, cache keys and paths. On top of the grammar, as nginx: no empty label (`..`), a port up to 65535.
 * An empty Host is allowed (RFC 9110 §7.2: a target without an authority).
 */

// reg-name: unreserved, sub-delims and pct-encoded; IP-literal: "[" IPv6address or IPvFuture "]".
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const IP_LITERAL = /^\[[A-Za-z0-9\-._~!$&'()*+,;=:]+\]$/;
const PORT = /^\d{0,5}$/;

/** Whether `value` is a valid Host field value (`host` or `host:port`). */
export function validHost(value: string): boolean {
  const portColon = value.startsWith('[') ? value.indexOf(':', value.indexOf(']')) : value.lastIndexOf(':');
  const host = portColon < 0 ? value : value.slice(0, portColon);
  const port = portColon < 0 ? '' : value.slice(portColon + 1);
  if (!PORT.test(port) || Number(port) > 65535 || host.includes('..')) return false;
  return host.startsWith('[') ? IP_LITERAL.test(host) : REG_NAME.test(host);
}

/** Whether Node's raw header list ("name", "value", …) carries at most one Host header, and a valid one. */
export function validHostHeaders(rawHeaders: string[]): boolean {
  let hosts = 0;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length !== 4 || rawHeaders[i]!.toLowerCase() !== 'host') continue;
    if (++hosts > 1 || !validHost(rawHeaders[i + 1]!)) return false;
  }
  return true;
}
