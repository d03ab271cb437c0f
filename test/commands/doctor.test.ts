import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir } from '../helpers/ephpm-server.js';

interface Report {
  ok: boolean;
  checks: Array<{ name: string; status: string; detail: string; fix?: string }>;
}

async function doctor(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; report: Report; output: string }> {
  const json = await runCli(['doctor', '--json', ...args], { env });
  const human = await runCli(['doctor', ...args], { env });
  return { code: json.code, report: JSON.parse(json.output) as Report, output: human.output };
}

function app(toml?: string): string {
  const dir = tempDir('ephpm-doctor-');
  mkdirSync(join(dir, 'public'));
  if (toml) writeFileSync(join(dir, 'ephpm.toml'), toml);
  return dir;
}

function occupy(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    );
  });
}

describe('ephpm doctor', () => {
  it('is all green on a healthy set-up and exits 0', async () => {
    const { code, report, output } = await doctor(['--root', app(), '--port', '18765']);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
    expect(byName['native addon + libphp embed']).toBe('ok');
    expect(byName['embedded PHP']).toBe('ok');
    expect(byName['PHP extensions for Laravel']).toBe('ok');
    expect(byName['OPcache in the embedded PHP']).toBe('ok');
    expect(output).toMatch(/All good\./);
  });

  it('names the apt-get line when libphp is missing, and exits 1', async () => {
    const patched = join(tempDir(), 'ephpm.node');
    const addon = readFileSync(join(repoRoot, 'native', 'build', 'ephpm.node'));
    writeFileSync(patched, Buffer.from(addon.toString('latin1').replace('libphp.so\0', 'libphp.s0\0'), 'latin1'));
    const { code, report, output } = await doctor(['--root', app(), '--port', '18766'], { EPHPM_ADDON: patched });
    expect(code).toBe(1);
    expect(report.checks.find((c) => c.name === 'native addon + libphp embed')).toMatchObject({
      status: 'fail',
      fix: 'Install it: sudo apt-get install -y libphp8.2-embed',
    });
    expect(output).toMatch(/✖ native addon \+ libphp embed/);
    expect(output).toMatch(/fix: Install it: sudo apt-get install -y libphp8\.2-embed/);
  });

  it('reports a broken ephpm.toml and a port that is taken', async () => {
    const { server, port } = await occupy();
    try {
      const broken = await doctor(['--root', app('[server]\nport = "x"\n')]);
      expect(broken.code).toBe(1);
      expect(broken.report.checks.find((c) => c.name === 'ephpm.toml')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/server\.port must be a whole number/),
      });
      const brokenDev = await doctor(['--root', app('[dev]\ndebounce_ms = "soon"\n'), '--port', String(port)]);
      expect(brokenDev.report.checks.find((c) => c.name === 'ephpm.toml')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/dev\.debounce_ms must be a whole number/),
        fix: expect.stringMatching(/debounce_ms = 200/),
      });

      const taken = await doctor(['--root', app(), '--port', String(port)]);
      expect(taken.code).toBe(1);
      expect(taken.report.checks.find((c) => c.name === `port 127.0.0.1:${port}`)).toMatchObject({
        status: 'fail',
        fix: expect.stringMatching(/--port/),
      });
    } finally {
      server.close();
    }
  });

  it('in a Laravel app without Octane, says which Composer packages to require', async () => {
    const dir = app();
    writeFileSync(join(dir, 'artisan'), '<?php\n');
    const { code, report } = await doctor(['--root', dir, '--port', '18767']);
    expect(code).toBe(1);
    expect(report.checks.find((c) => c.name === 'Laravel + Octane')).toMatchObject({
      status: 'fail',
      fix: `npx ephpm init  (or: composer require laravel/octane && composer config repositories.ephpm path ${join(repoRoot, 'composer-package')} && composer require ephpm/octane-driver:@dev)`,
    });
  });
});
