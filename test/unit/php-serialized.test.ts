import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tableCell } from '../../src/cli/format.js';
import { formatPhpValue, unserializePhp } from '../../src/runtime/tables/php-serialized.js';

// What `ephpm table:dump` shows for a string column holding serialize() output, checked against PHP's own
// serialize() of each value (PHP 8.2 CLI).

/** serialize() of each PHP expression, by the real PHP. */
function serialized(expressions: string[]): string[] {
  const code = `enum Suit: string { case Hearts = 'h'; } echo json_encode(array_map('serialize', [${expressions.join(', ')}]));`;
  return JSON.parse(execFileSync('php', ['-r', code], { encoding: 'utf8' })) as string[];
}

describe("PHP's serialize() format, read back", () => {
  it('shows scalars, strings (multibyte and with quotes), arrays, lists and enum cases as the values they hold', () => {
    const cases: Array<[string, string]> = [
      ['null', 'null'],
      ['true', 'true'],
      ['false', 'false'],
      ['42', '42'],
      ['-7', '-7'],
      ['PHP_INT_MAX', '9223372036854775807'],
      ['1.5', '1.5'],
      ['0.1 + 0.2', '0.30000000000000004'],
      ['-INF', '-INF'],
      ["'bar'", 'bar'],
      ['\'手 田日 "quoted"; s:1:\'', '手 田日 "quoted"; s:1:'],
      ["''", ''],
      ["['a', 'b']", '["a","b"]'],
      ["['name' => 'Ann', 'votes' => 3, 7 => [1.5, null]]", '{"name":"Ann","votes":3,"7":[1.5,null]}'],
      ['[1 => 1, 0 => 0]', '{"1":1,"0":0}'],
      ['Suit::Hearts', 'Suit::Hearts'],
    ];
    const texts = serialized(cases.map(([expression]) => expression));
    cases.forEach(([expression, shown], i) => {
      const value = unserializePhp(texts[i]!);
      expect(value, expression).not.toBeUndefined();
      expect(formatPhpValue(value!), expression).toBe(shown);
    });
  });

  it('leaves objects, references, plain text and truncated or trailing input as stored', () => {
    const [object, reference] = serialized([
      'new ArrayObject([1])',
      '(function () { $a = [1]; $a[1] = &$a[0]; return $a; })()',
    ]);
    for (const text of [
      object!,
      reference!,
      'bar',
      'N',
      's:5:"abc";',
      's:3:"abc"',
      'i:1;i:2;',
      'a:1:{i:0;i:1;',
      'b:2;',
      'i:1e3;',
      '',
    ]) {
      expect(unserializePhp(text), text).toBeUndefined();
    }
  });

  it('is shown unserialized by table:dump unless asked for the raw value, with control characters escaped', () => {
    const [text] = serialized(['[\'a\' => "line\\nbreak"]']);
    expect(tableCell(text!, { unserialize: true })).toBe('{"a":"line\\nbreak"}');
    expect(tableCell(text!)).toBe('a:1:{s:1:"a";s:10:"line\\nbreak";}');
    expect(tableCell('O:8:"stdClass":1:{s:4:"\0*\0x";i:1;}')).toBe('O:8:"stdClass":1:{s:4:"\\x00*\\x00x";i:1;}');
    expect(tableCell(12, { unserialize: true })).toBe('12');
  });
});
