import { describe, expect, it } from 'vitest';
import { withHeader } from '../../src/runtime/http/raw-header-list.js';
import { acceptedTarget, decodablePath, requestTarget } from '../../src/runtime/http/request-target.js';

describe('request targets in the forms RFC 9112 allows', () => {
  it('keep origin-form as sent', () => {
    expect(requestTarget('/a/b?c=1', 'GET')).toEqual({ uri: '/a/b?c=1', host: null });
  });

  it('turn absolute-form into its path and query, and the host it names', () => {
    expect(requestTarget('http://example.com:99/p/q?x=1', 'GET')).toEqual({ uri: '/p/q?x=1', host: 'example.com:99' });
    expect(requestTarget('HTTPS://user:pw@example.com', 'GET')).toEqual({ uri: '/', host: 'example.com' });
    expect(requestTarget('http://example.com?x=1', 'GET')).toEqual({ uri: '/?x=1', host: 'example.com' });
  });

  it('keep asterisk-form for OPTIONS only, and refuse anything else', () => {
    expect(requestTarget('*', 'OPTIONS')).toEqual({ uri: '*', host: null });
    expect(requestTarget('*', 'GET')).toBeNull();
    expect(requestTarget('ftp://example.com/file', 'GET')).toBeNull();
    expect(requestTarget('example.com:443', 'GET')).toBeNull();
  });

  it('replace every Host header with the one the target names', () => {
    expect(withHeader(['Host', 'other', 'Accept', '*/*', 'host', 'again'], 'Host', 'example.com:99')).toEqual([
      'Accept',
      '*/*',
      'Host',
      'example.com:99',
    ]);
  });

  it('percent-decode in the path, not in the query', () => {
    expect(decodablePath('/100%25.txt?q=%')).toBe(true);
    expect(decodablePath('/caf%C3%A9')).toBe(true);
    expect(decodablePath('/100%.txt')).toBe(false);
    expect(decodablePath('/%zz')).toBe(false);
    expect(decodablePath('/%C0')).toBe(false); // not UTF-8
  });

  it('are accepted with a single valid Host, or refused with the reason of their 400', () => {
    expect(acceptedTarget('http://example.com/p?q', 'GET', ['Host', 'other'])).toEqual({
      uri: '/p?q',
      host: 'example.com',
    });
    expect(acceptedTarget('ftp://example.com/', 'GET', ['Host', 'a'])).toMatch(/^400 Bad Request: the request target/);
    expect(acceptedTarget('/100%.txt', 'GET', ['Host', 'a'])).toMatch(/^400 Bad Request: the path has a %/);
    expect(acceptedTarget('/', 'GET', ['Host', 'a', 'Host', 'b'])).toMatch(/^400 Bad Request: more than one Host/);
    expect(acceptedTarget('http://a b/', 'GET', ['Host', 'a'])).toMatch(/^400 Bad Request: more than one Host/);
  });
});
