import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { pathOf } from './request-target.js';

/**
 * 103 Early Hints learned from the app's own responses: the preload `Link` headers of the last 200 HTML response of a
 * path (Laravel's `AddLinkHeadersForPreloadedAssets` puts Vite's assets there, on the final response, too late to
 * help) are sent as a 103 the moment the next request for that path arrives, before PHP runs. A path whose 200 HTML
 * response stops carrying them is forgotten. Bounded: the least recently used paths go first.
 */
export class EarlyHints {
  private readonly byPath = new Map<string, readonly string[]>();
  /** Counts the times a path was learned or forgotten. */
  changes = 0;

  constructor(
    /** Paths remembered at most. */
    private readonly maxPaths = 1000,
    /** Links remembered per path at most (the first ones the app listed). */
    private readonly maxLinksPerPath = 32,
  ) {}

  /** The links to send as a 103 before PHP answers `key` (host and path), or null. */
  hintsFor(key: string): readonly string[] | null {
    const links = this.byPath.get(key);
    if (!links) return null;
    // Refreshed as recently used.
    this.byPath.delete(key);
    this.byPath.set(key, links);
    return links;
  }

  /** Sends, before PHP runs, the 103 Early Hints the request's path taught; true if it did. */
  sendFor(req: IncomingMessage, res: ServerResponse, uri: string, logger: Pick<Logger, 'warn'>): boolean {
    // 1xx responses are HTTP/1.1's (RFC 9110 §15.2): an HTTP/1.0 client would take one for the answer.
    if (req.method !== 'GET' || req.httpVersion === '1.0') return false;
    const links = this.hintsFor(hintsKey(req.headers.host, uri));
    if (!links) return false;
    try {
      res.writeEarlyHints({ link: links as string[] });
    } catch (error) {
      logger.warn(`no 103 Early Hints for ${uri}: ${(error as Error).message}`);
      return false;
    }
    return true;
  }

  /** What the head of the final answer to the request says about its path's hints (GET only). */
  learnFrom(req: IncomingMessage, uri: string, status: number, headers: readonly string[]): void {
    if (req.method === 'GET') this.learn(hintsKey(req.headers.host, uri), status, headers);
  }

  get size(): number {
    return this.byPath.size;
  }

  /** The paths (any host) with hints now. */
  paths(): string[] {
    return [...new Set([...this.byPath.keys()].map((key) => key.slice(key.indexOf(' ') + 1)))];
  }

  /** What a final response to a GET of `key` says about its hints (headers as name, value, name, value, …). */
  learn(key: string, status: number, headers: readonly string[]): void {
    if (status !== 200) return;
    let html = false;
    const links: string[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!.toLowerCase();
      if (name === 'content-type') html = /^\s*text\/html\b/i.test(headers[i + 1]!);
      else if (name === 'link') links.push(...hintableLinks(headers[i + 1]!));
    }
    if (!html || links.length === 0) {
      if (this.byPath.delete(key)) this.changes++;
      return;
    }
    if (!this.byPath.delete(key)) this.changes++;
    this.byPath.set(key, links.slice(0, this.maxLinksPerPath));
    if (this.byPath.size > this.maxPaths) this.byPath.delete(this.byPath.keys().next().value!);
  }
}

/** The key a request's hints are remembered under: its host and path, without the query. */
export function hintsKey(host: string | undefined, uri: string): string {
  return `${host ?? ''} ${pathOf(uri)}`;
}

const HINTABLE_REL = /;\s*rel\s*=\s*"?([^";]*)"?/i;
const HINTABLE = new Set(['preload', 'modulepreload', 'preconnect']);
/** A value carries no header-breaking bytes and stays short. */
const SAFE_LINK = /^<[^<>\r\n]{1,2048}>[^\r\n]{0,512}$/;

/** The links of one `Link` header value a browser acts on from a 103: preload, modulepreload, preconnect. */
export function hintableLinks(value: string): string[] {
  const links: string[] = [];
  for (const link of splitLinks(value)) {
    const rel = HINTABLE_REL.exec(link)?.[1];
    if (!rel || !SAFE_LINK.test(link)) continue;
    if (
      rel
        .toLowerCase()
        .split(/\s+/)
        .some((each) => HINTABLE.has(each))
    )
      links.push(link);
  }
  return links;
}

/** One Link header may list several links, comma-separated (commas inside <…> or quotes belong to the link). */
function splitLinks(value: string): string[] {
  const links: string[] = [];
  let start = 0;
  let inUri = false;
  let inQuotes = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '<' && !inQuotes) inUri = true;
    else if (c === '>' && !inQuotes) inUri = false;
    else if (c === '"' && !inUri) inQuotes = !inQuotes;
    else if (c === ',' && !inUri && !inQuotes) {
      links.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  links.push(value.slice(start).trim());
  return links.filter((link) => link.length > 0);
}
