import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { EphpmError } from '../errors.js';
import { COMPRESSION_KEYS } from '../http/compression/compression-settings.js';

/** ephpm.toml as read: its sections, each checked to be one and to hold only known settings. */
export interface TomlShape {
  server?: Record<string, unknown> & { tls?: Record<string, unknown> };
  php?: Record<string, unknown>;
  dev?: Record<string, unknown>;
  tables?: unknown;
  cache?: unknown;
  metrics?: unknown;
  cluster?: unknown;
}

const SECTIONS = ['server', 'php', 'dev', 'tables', 'cache', 'metrics', 'cluster'];
const DEV_KEYS = ['watch', 'ignore', 'debounce_ms', 'poll'];

const SERVER_KEYS = [
  'host',
  'port',
  'workers',
  'max_requests',
  'max_memory',
  'request_timeout',
  'queue_timeout',
  'handoff_after',
  'park_after_ms',
  'send_timeout',
  'header_timeout',
  'body_timeout',
  'request_read_timeout',
  'drain_timeout',
  'max_body_size',
  'body_memory_size',
  'response_memory_size',
  'response_spill_size',
  'worker_spill_size',
  'queue_size',
  'worker',
  'log_format',
  'access_log',
  'request_id',
  ...COMPRESSION_KEYS,
  'early_hints',
  'native_lane',
  'file_offload',
  'offload_dirs',
  'state_file',
  'php_stack_size',
  'tls',
  'http2',
  'h2c',
  'task_workers',
  'task_queue_size',
  'tick',
];
const TLS_KEYS = ['cert', 'key'];

/** The file `--config` names, else the app's ephpm.toml if there is one. */
export function findConfigFile(explicit: string | undefined, root: string, cwd: string): string | null {
  if (explicit) {
    const file = resolve(cwd, explicit);
    if (!existsSync(file)) throw new EphpmError('EPHPM_BAD_CONFIG', `The config file ${file} does not exist.`);
    return file;
  }
  const file = join(root, 'ephpm.toml');
  return existsSync(file) ? file : null;
}

/** The file parsed, with an error that names the file for invalid TOML, an unknown section or an unknown setting. */
export function readToml(file: string): TomlShape {
  let parsed: Record<string, unknown>;
  try {
    parsed = parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new EphpmError(
      'EPHPM_BAD_CONFIG',
      `${file} is not valid TOML: ${(error as Error).message}`,
      'Fix the file, or move it away to use the defaults.',
    );
  }
  const unknownTables = Object.keys(parsed).filter((key) => !SECTIONS.includes(key));
  if (unknownTables.length > 0) {
    throw new EphpmError(
      'EPHPM_BAD_CONFIG',
      `${file}: unknown section [${unknownTables.join('], [')}]. Known sections: [server], [server.tls], [php], [dev], [tables], [cache], [metrics], [cluster].`,
    );
  }
  for (const name of ['server', 'php', 'dev', 'cache']) section(file, parsed[name], name);
  const server = (parsed.server ?? {}) as Record<string, unknown>;
  knownKeys(file, server, 'server', SERVER_KEYS);
  if (server.tls !== undefined) knownKeys(file, section(file, server.tls, 'server.tls')!, 'server.tls', TLS_KEYS);
  knownKeys(file, (parsed.dev ?? {}) as Record<string, unknown>, 'dev', DEV_KEYS);
  return parsed as TomlShape;
}

/** A section ([name]) or an inline table: anything else is a mistake (`php = 5`), never silently ignored. */
function section(file: string, value: unknown, name: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EphpmError(
      'EPHPM_BAD_CONFIG',
      `${file}: ${name} must be a section ([${name}]); got ${JSON.stringify(value)}.`,
    );
  }
  return value as Record<string, unknown>;
}

function knownKeys(file: string, values: Record<string, unknown>, prefix: string, known: string[]): void {
  const unknown = Object.keys(values).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new EphpmError(
      'EPHPM_BAD_CONFIG',
      `${file}: unknown setting ${prefix}.${unknown.join(`, ${prefix}.`)}. Known settings: ${known.join(', ')}.`,
    );
  }
}
