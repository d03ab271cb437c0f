// A value of ephpm.toml (or of a flag), checked and converted; a wrong one is refused naming its key.
import { isAbsolute } from 'node:path';
import { EphpmError } from '../errors.js';
import type { LogFormat } from '../logger.js';

export function bad(key: string, expected: string, value: unknown, hint?: string): EphpmError {
  return new EphpmError(
    'EPHPM_BAD_CONFIG',
    `ephpm.toml: ${key} must be ${expected}; got ${JSON.stringify(value)}.`,
    hint,
  );
}

export function stringSetting(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw bad(key, 'a non-empty string', value);
  return value;
}

export function intSetting(
  value: unknown,
  key: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  hint?: string,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(key, `a whole number from ${min} to ${max}`, value, hint);
  }
  return value;
}

/** A duration in seconds (flag, else ephpm.toml, else the default), in milliseconds. */
export function seconds(
  flag: number | undefined,
  value: unknown,
  key: string,
  fallback: number,
  zeroMeansNone = false,
): number {
  const chosen = flag ?? value;
  if (chosen === undefined) return fallback * 1000;
  if (typeof chosen !== 'number' || !Number.isFinite(chosen) || chosen < 0 || (chosen === 0 && !zeroMeansNone)) {
    throw bad(
      `server.${key}`,
      zeroMeansNone ? 'a number of seconds (0 = no limit)' : 'a positive number of seconds',
      chosen,
    );
  }
  return chosen * 1000;
}

export function boolSetting(value: unknown, key: string, hint?: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw bad(key, 'true or false', value, hint);
  return value;
}

export function sizeSetting(value: unknown): string | number | undefined {
  return value === undefined ? undefined : (value as string | number);
}

export function logFormatSetting(value: unknown): LogFormat | undefined {
  if (value === undefined) return undefined;
  if (value !== 'human' && value !== 'json') throw bad('server.log_format', '"human" or "json"', value);
  return value;
}

/** `access_log`: true (the format follows log_format), false, "text" or "json". */
export function accessLogSetting(value: unknown): boolean | 'text' | 'json' | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value !== 'text' && value !== 'json') throw bad('server.access_log', 'true, false, "text" or "json"', value);
  return value;
}

export function pathListSetting(value: unknown, key: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string' || entry.trim() === '')) {
    throw bad(
      key,
      'a list of paths or globs relative to the app root',
      value,
      `For example: ${key.slice(4)} = ["app", "routes", "resources/**/*.php"]`,
    );
  }
  return (value as string[]).map((entry) => {
    const path = entry.replace(/^\.\//, '').replace(/\/+$/, '');
    if (path.startsWith('!')) {
      throw new EphpmError(
        'EPHPM_BAD_CONFIG',
        `ephpm.toml: ${key} entry ${JSON.stringify(entry)} is a negated glob.`,
        'List what to leave out in dev.ignore instead.',
      );
    }
    if (isAbsolute(path) || path === '..' || path.startsWith('../')) {
      throw new EphpmError(
        'EPHPM_BAD_CONFIG',
        `ephpm.toml: ${key} entry ${JSON.stringify(entry)} is outside the app root.`,
        'Give paths relative to the app root, e.g. "app" or "resources/**/*.php".',
      );
    }
    return path === '' ? '.' : path;
  });
}

export function phpIniSetting(value: Record<string, unknown> | undefined): Record<string, string> {
  const ini: Record<string, string> = {};
  for (const [key, setting] of Object.entries(value ?? {})) {
    if (!/^[A-Za-z0-9_.]+$/.test(key)) throw bad(`php.${key}`, 'an ini directive name', key);
    if (typeof setting === 'boolean') ini[key] = setting ? '1' : '0';
    else if (typeof setting === 'number' || typeof setting === 'string') {
      if (/[\r\n]/.test(String(setting))) throw bad(`php.${key}`, 'a single-line value', setting);
      ini[key] = String(setting);
    } else throw bad(`php.${key}`, 'a string, number or boolean', setting);
  }
  return ini;
}
