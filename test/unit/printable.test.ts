import { describe, expect, it } from 'vitest';
import { printable } from '../../src/cli/format.js';

describe('data shown on a terminal', () => {
  it('shows control characters as escapes instead of sending them to the terminal', () => {
    expect(printable('a\x1b[2Jb')).toBe('a\\x1b[2Jb');
    expect(printable('line\nbreak\r\ttab\x00\x7f\x9b')).toBe('line\\nbreak\\r\\ttab\\x00\\x7f\\x9b');
    expect(printable('rtl\u202eevil\u2028')).toBe('rtl\\u202eevil\\u2028');
  });

  it('doubles backslashes, so an escape cannot be faked, and leaves other text alone', () => {
    expect(printable('C:\\x1b')).toBe('C:\\\\x1b');
    expect(printable('héllo wörld ✓')).toBe('héllo wörld ✓');
  });
});
