import { randomUUID } from 'node:crypto';

/** 1 to 128 of the characters a log line and a header carry as they are. */
const VALID_ID = /^[A-Za-z0-9._:+=/@-]{1,128}$/;

/**
 * The request's id: the client's X-Request-Id when it is one (1-128 of A-Z a-z 0-9 . _ : + = / @ -), else a new
 * UUID. `given`: whether the client's was kept (PHP then sees the request's headers as they came).
 */
export function requestIdOf(rawHeaders: string[]): { id: string; given: boolean } {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length === 12 && rawHeaders[i]!.toLowerCase() === 'x-request-id') {
      const value = rawHeaders[i + 1]!;
      return VALID_ID.test(value) ? { id: value, given: true } : { id: randomUUID(), given: false };
    }
  }
  return { id: randomUUID(), given: false };
}
