import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../src/runtime/config/config.js';
import type { ServeOptions } from '../../src/runtime/config/server-config.js';
import { parseListen } from '../../src/runtime/metrics/metrics-config.js';
import { refusal } from '../helpers/refusal.js';

function app(toml?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'ephpm-metrics-config-'));
  writeFileSync(join(root, 'worker.php'), '<?php');
  if (toml !== undefined) writeFileSync(join(root, 'ephpm.toml'), toml);
  return root;
}

const resolveIn = (root: string, options: ServeOptions = {}) =>
  resolveServerConfig({ worker: 'worker.php', ...options }, root);

describe('the [metrics] settings', () => {
  it('are off unless configured: no listener at all', () => {
    expect(resolveIn(app()).metrics).toBeNull();
    expect(resolveIn(app('[metrics]\n')).metrics).toBeNull();
  });

  it('come from [metrics] listen, and --metrics / EPHPM_METRICS wins over the file', () => {
    const root = app('[metrics]\nlisten = "127.0.0.1:9400"\n');
    expect(resolveIn(root).metrics).toEqual({ host: '127.0.0.1', port: 9400 });
    expect(resolveIn(root, { metrics: '0.0.0.0:9500' }).metrics).toEqual({ host: '0.0.0.0', port: 9500 });
  });

  it.each([
    ['127.0.0.1:9400', { host: '127.0.0.1', port: 9400 }],
    ['9400', { host: '127.0.0.1', port: 9400 }],
    ['[::1]:9400', { host: '::1', port: 9400 }],
    ['metrics.internal:0', { host: 'metrics.internal', port: 0 }],
  ])('read %s as host and port', (text, expected) => {
    expect(parseListen(text, 'metrics.listen')).toEqual(expected);
  });

  it.each(['127.0.0.1:', ':9400', '127.0.0.1:99999', '::1:9400', 'host:port', '127.0.0.1 :9400'])(
    'refuse %j with an example',
    (text) => {
      const error = refusal(() => parseListen(text, 'metrics.listen'));
      expect(error.message).toContain(`metrics.listen must be "host:port" or a port; got ${JSON.stringify(text)}`);
      expect(error.hint).toContain('listen = "127.0.0.1:9400"');
    },
  );

  it('refuse unknown settings and a non-section, naming the file', () => {
    const root = app('[metrics]\nport = 9400\n');
    expect(refusal(() => resolveIn(root)).message).toMatch(
      /ephpm\.toml: unknown setting metrics\.port\. Known settings: listen\./,
    );
    expect(refusal(() => resolveIn(app('metrics = "127.0.0.1:9400"\n'))).message).toMatch(
      /metrics must be a section \(\[metrics\]\)/,
    );
    expect(refusal(() => resolveIn(app('[metrics]\nlisten = 9400\n'))).message).toMatch(
      /metrics\.listen must be "host:port"; got 9400/,
    );
  });

  it.each([
    [{ port: 8000, metrics: '127.0.0.1:8000' }],
    [{ port: 8000, metrics: '8000' }],
    [{ host: '0.0.0.0', port: 8000, metrics: '127.0.0.1:8000' }],
    [{ port: 8000, metrics: 'localhost:8000' }],
  ])("refuse the app's own address (%j)", (options) => {
    const error = refusal(() => resolveIn(app(), options));
    expect(error.code).toBe('EPHPM_BAD_CONFIG');
    expect(error.message).toMatch(/is the app's own address: \/metrics must not be served on the app's port/);
    expect(error.hint).toContain('--metrics 127.0.0.1:9400');
  });

  it('accept the same port on another address, and port 0 (a free port) beside any app port', () => {
    expect(resolveIn(app(), { host: '127.0.0.1', port: 8000, metrics: '10.1.2.3:8000' }).metrics).toEqual({
      host: '10.1.2.3',
      port: 8000,
    });
    expect(resolveIn(app(), { port: 0, metrics: '127.0.0.1:0' }).metrics).toEqual({ host: '127.0.0.1', port: 0 });
  });
});
