/**
 * Netstrings without the trailing comma ("3:abc"), binary-safe: how ops, stream rows and the schema travel between
 * the supervisor, the Lua script (composer-package/src/Cluster/replicate.lua) and StrongTable.php.
 */
export function joinNetstrings(parts: Array<Buffer | string>): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    pieces.push(Buffer.from(`${bytes.length}:`, 'latin1'), bytes);
  }
  return Buffer.concat(pieces);
}

export function splitNetstrings(data: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const colon = data.indexOf(0x3a, at);
    const length = colon < 0 ? NaN : Number(data.toString('latin1', at, colon));
    if (!Number.isInteger(length) || colon + 1 + length > data.length)
      throw new Error(`malformed netstring at byte ${at}`);
    parts.push(data.subarray(colon + 1, colon + 1 + length));
    at = colon + 1 + length;
  }
  return parts;
}
