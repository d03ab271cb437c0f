// PHP's serialize() format, read back for `ephpm table:dump`: the octane cache store and many apps keep
// serialized values in string columns. Scalars, arrays and enum cases are decoded; anything else (objects,
// references) is left as it is stored.

/** A decoded value: PHP's int (a bigint when past 2^53), float (its text as PHP wrote it), string, bool, null, array. */
export type PhpValue = null | boolean | bigint | number | string | PhpFloat | PhpArray | PhpEnumCase;
export interface PhpFloat {
  float: string;
}
export interface PhpEnumCase {
  enumCase: string;
}
/** Keys in order, as PHP keeps them: ints or strings. */
export type PhpArray = Array<[number | string, PhpValue]>;

class NotSerialized extends Error {}

/** The value `text` is the serialize() of, or undefined when it is not one (or holds objects). */
export function unserializePhp(text: string): PhpValue | undefined {
  if (text.length < 2 || !/^[NbidsaE][:;]/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'utf8');
  try {
    const reader = new Reader(bytes);
    const value = reader.value();
    return reader.atEnd() ? value : undefined;
  } catch (error) {
    if (error instanceof NotSerialized) return undefined;
    throw error;
  }
}

/** How `ephpm table:dump` shows a decoded value: strings bare, arrays as JSON-like `[…]` / `{…}`. */
export function formatPhpValue(value: PhpValue, nested = false): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean' || typeof value === 'bigint' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return nested ? JSON.stringify(value) : value;
  if (Array.isArray(value)) {
    const isList = value.every(([key], i) => key === i);
    const items = value.map(
      ([key, item]) => (isList ? '' : `${JSON.stringify(String(key))}:`) + formatPhpValue(item, true),
    );
    return isList ? `[${items.join(',')}]` : `{${items.join(',')}}`;
  }
  return 'float' in value ? value.float : value.enumCase;
}

class Reader {
  private at = 0;

  constructor(private readonly bytes: Buffer) {}

  atEnd(): boolean {
    return this.at === this.bytes.length;
  }

  value(): PhpValue {
    const type = String.fromCharCode(this.bytes[this.at] ?? 0);
    this.at++;
    if (type === 'N') {
      this.expect(';');
      return null;
    }
    this.expect(':');
    switch (type) {
      case 'b': {
        const flag = this.until(';');
        if (flag !== '0' && flag !== '1') throw new NotSerialized();
        return flag === '1';
      }
      case 'i': {
        const digits = this.until(';');
        if (!/^[+-]?\d+$/.test(digits)) throw new NotSerialized();
        const number = BigInt(digits);
        return number >= BigInt(Number.MIN_SAFE_INTEGER) && number <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(number)
          : number;
      }
      case 'd': {
        const float = this.until(';');
        if (!/^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|-?INF|NAN)$/.test(float)) throw new NotSerialized();
        return { float };
      }
      case 's':
        return this.quoted(';');
      case 'E': {
        const name = this.quoted(';');
        if (!name.includes(':')) throw new NotSerialized();
        return { enumCase: name.replace(':', '::') };
      }
      case 'a': {
        const count = this.count('{');
        const items: PhpArray = [];
        for (let i = 0; i < count; i++) {
          const key = this.value();
          if (typeof key !== 'number' && typeof key !== 'string') throw new NotSerialized();
          items.push([key, this.value()]);
        }
        this.expect('}');
        return items;
      }
      default:
        throw new NotSerialized(); // objects (O, C), references (r, R): shown as stored
    }
  }

  /** `<n>:"<n bytes>"` then `end`. */
  private quoted(end: string): string {
    const length = this.count('"');
    const text = this.bytes.subarray(this.at, this.at + length);
    if (text.length !== length) throw new NotSerialized();
    this.at += length;
    this.expect('"');
    this.expect(end);
    return text.toString('utf8');
  }

  private count(then: string): number {
    const digits = this.until(':');
    if (!/^\d+$/.test(digits)) throw new NotSerialized();
    this.expect(then);
    return Number(digits);
  }

  private until(char: string): string {
    const end = this.bytes.indexOf(char.charCodeAt(0), this.at);
    if (end < 0) throw new NotSerialized();
    const text = this.bytes.subarray(this.at, end).toString('latin1');
    this.at = end + 1;
    return text;
  }

  private expect(char: string): void {
    if (this.bytes[this.at] !== char.charCodeAt(0)) throw new NotSerialized();
    this.at++;
  }
}
