import { boolSetting, sizeSetting } from '../../config/values.js';
import { parseByteSize } from '../../sizes.js';

/** Response compression (docs/ARCHITECTURE.md, "Response compression"); null in ServerConfig when off. */
export interface CompressionSettings {
  /** Complete responses and static files smaller than this go as they are (a stream's size is not known: compressed). */
  minBytes: number;
}

/** What `--[no-]compression` / EPHPM_COMPRESSION and `--compression-min-size` / EPHPM_COMPRESSION_MIN_SIZE give. */
export interface CompressionOptions {
  compression?: boolean;
  compressionMinSize?: string;
}

export const COMPRESSION_KEYS = ['compression', 'compression_min_size'];

/** `[server] compression` (default true) and `compression_min_size` (default 1K), flags first. */
export function compressionSetting(
  options: CompressionOptions,
  setting: (key: string) => unknown,
): CompressionSettings | null {
  const on = options.compression ?? boolSetting(setting('compression'), 'server.compression') ?? true;
  const minBytes = parseByteSize(
    options.compressionMinSize ?? sizeSetting(setting('compression_min_size')) ?? '1K',
    'server.compression_min_size',
    true,
  );
  return on ? { minBytes } : null;
}
