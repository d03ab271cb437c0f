import { EphpmError } from './errors.js';

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Parses 1048576, "512k", "16M", "1G" (binary units, like php.ini). Zero is a mistake unless it means "off". */
export function parseByteSize(value: string | number, setting: string, zeroMeansOff = false): number {
  const match = /^\s*(\d+)\s*([kmg]?)b?\s*$/i.exec(String(value));
  const bytes = match ? Number(match[1]) * UNITS[match[2]!.toLowerCase()]! : NaN;
  if (!Number.isSafeInteger(bytes) || (bytes === 0 && !zeroMeansOff)) {
    const expected = zeroMeansOff
      ? 'a size like "512M" (0 = off)'
      : 'a size of at least one byte, like 1048576, "512K" or "16M"';
    throw new EphpmError('EPHPM_BAD_CONFIG', `${setting} must be ${expected}; got ${JSON.stringify(value)}.`);
  }
  return bytes;
}

/** 1536 → "1.5 KB" (binary units, as parseByteSize reads them). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
