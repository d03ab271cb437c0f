import kleur from 'kleur';
import { formatPhpValue, unserializePhp } from '../runtime/tables/php-serialized.js';

export { formatBytes } from '../runtime/sizes.js';

export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** Columns padded to their widest cell; the header row dimmed. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [kleur.dim(line(header)), ...rows.map(line)].join('\n');
}

/**
 * A shared table's value in a terminal table: with `unserialize`, a PHP-serialized string as the value it holds
 * (the octane cache store's values); control characters (a serialized object's NUL bytes, line breaks) escaped.
 */
export function tableCell(value: string | number, options: { unserialize?: boolean } = {}): string {
  const decoded = options.unserialize && typeof value === 'string' ? unserializePhp(value) : undefined;
  const text = decoded === undefined ? String(value) : formatPhpValue(decoded);
  return text.replace(/[\x00-\x1f\x7f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
