import { EphpmError } from '../errors.js';

export interface MetricsListen {
  host: string;
  port: number;
}

const KEYS = ['listen'];
const EXAMPLE = 'listen = "127.0.0.1:9400"';

/**
 * Where /metrics listens: `--metrics` / EPHPM_METRICS (given as `flag`), else `[metrics] listen`; null (off)
 * when neither is set. Never the app's own address: Prometheus would scrape the app.
 */
export function metricsSetting(
  flag: string | undefined,
  section: unknown,
  file: string,
  app: { host: string; port: number },
): MetricsListen | null {
  let listen: MetricsListen | null;
  if (flag !== undefined) listen = parseListen(flag, 'EPHPM_METRICS (--metrics)');
  else listen = sectionSetting(section, file);
  if (listen && listen.port !== 0 && listen.port === app.port && sameHost(listen.host, app.host)) {
    throw new EphpmError(
      'EPHPM_BAD_CONFIG',
      `The metrics listener ${formatListen(listen)} is the app's own address: /metrics must not be served on the app's port.`,
      `Give it a port of its own, e.g. --metrics 127.0.0.1:9400 or [metrics] ${EXAMPLE}.`,
    );
  }
  return listen;
}

function sectionSetting(section: unknown, file: string): MetricsListen | null {
  if (section === undefined) return null;
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    throw new EphpmError(
      'EPHPM_BAD_CONFIG',
      `${file}: metrics must be a section ([metrics]); got ${JSON.stringify(section)}.`,
      `For example:\n[metrics]\n${EXAMPLE}`,
    );
  }
  const unknown = Object.keys(section).filter((key) => !KEYS.includes(key));
  if (unknown.length > 0) {
    throw new EphpmError(
      'EPHPM_BAD_CONFIG',
      `${file}: unknown setting metrics.${unknown.join(', metrics.')}. Known settings: ${KEYS.join(', ')}.`,
    );
  }
  const listen = (section as { listen?: unknown }).listen;
  if (listen === undefined) return null;
  if (typeof listen !== 'string') {
    throw new EphpmError(
      'EPHPM_BAD_CONFIG',
      `${file}: metrics.listen must be "host:port"; got ${JSON.stringify(listen)}.`,
      `For example: ${EXAMPLE}`,
    );
  }
  return parseListen(listen, `${file}: metrics.listen`);
}

/** "127.0.0.1:9400", "[::1]:9400", "0.0.0.0:9400"; a bare port listens on 127.0.0.1. Port 0 picks a free one. */
export function parseListen(value: string, setting: string): MetricsListen {
  const text = value.trim();
  const colon = text.lastIndexOf(':');
  const rawHost = colon < 0 ? '127.0.0.1' : text.slice(0, colon);
  const host = rawHost.startsWith('[') && rawHost.endsWith(']') ? rawHost.slice(1, -1) : rawHost;
  const portText = text.slice(colon + 1);
  const port = Number(portText);
  if (
    !/^\d{1,5}$/.test(portText) ||
    port > 65535 ||
    host === '' ||
    /[\s[\]]/.test(host) ||
    (host.includes(':') && !rawHost.startsWith('['))
  ) {
    throw new EphpmError(
      'EPHPM_BAD_CONFIG',
      `${setting} must be "host:port" or a port; got ${JSON.stringify(value)}.`,
      `For example: ${EXAMPLE}`,
    );
  }
  return { host, port };
}

export function formatListen(listen: MetricsListen): string {
  return listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
}

const ANY = ['0.0.0.0', '::'];

/** Two listeners on these hosts and the same port would collide (`localhost` is either loopback address). */
function sameHost(a: string, b: string): boolean {
  if (a === b || ANY.includes(a) || ANY.includes(b)) return true;
  return [a, b].includes('localhost') && [a, b].some((host) => host === '127.0.0.1' || host === '::1');
}
