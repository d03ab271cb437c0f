import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appWorker, repoRoot, runCli, startServer, tempDir } from '../helpers/ephpm-server.js';
import { standInPhpConfig } from '../helpers/php-config.js';

const addonFile = join(repoRoot, 'native', 'build', 'ephpm.node');
const systemPhpVersion = execFileSync('php-config8.2', ['--version'], { encoding: 'utf8' }).trim();

/** A copy of the addon with one byte string replaced by another of the same length. */
function patchedAddon(from: string, to: string): string {
  const original = readFileSync(addonFile);
  const patched = Buffer.from(original.toString('latin1').split(from).join(to), 'latin1');
  expect(patched.equals(original)).toBe(false);
  const file = join(tempDir(), 'ephpm.node');
  writeFileSync(file, patched);
  return file;
}

describe('ephpm runtime:info', () => {
  it('reports the embedded PHP: version, SAPI, ini files, extensions, OPcache and stack size', async () => {
    const result = await runCli(['runtime:info', '--json']);
    expect(result.code).toBe(0);
    const info = JSON.parse(result.output);
    expect(info.phpVersion).toBe(systemPhpVersion);
    expect(info.sapi).toBe('cli');
    expect(info.iniFile).toBe('/etc/php/8.2/embed/php.ini');
    expect(info.iniScannedFiles.some((f: string) => f.includes('opcache'))).toBe(true);
    expect(info.extensions).toEqual(expect.arrayContaining(['mbstring', 'pdo_sqlite', 'intl', 'ephpm']));
    expect(info.opcache).toEqual({ loaded: true, enabled: true });
    expect(info.stackBytes).toBe(64 * 1024 * 1024);
    expect(info.addon.phpVersion).toBe(systemPhpVersion);
  });

  it("applies the app's ephpm.toml [php] settings, as the server would", async () => {
    const app = tempDir();
    mkdirSync(join(app, 'public'));
    writeFileSync(join(app, 'ephpm.toml'), '[server]\nphp_stack_size = "32M"\n\n[php]\nmemory_limit = "200M"\n');
    const info = JSON.parse((await runCli(['runtime:info', '--json', '--root', app])).output);
    expect(info.memoryLimit).toBe('200M');
    expect(info.stackBytes).toBe(32 * 1024 * 1024);
  });

  it('ephpm serve says how to build the addon when it is missing', async () => {
    const result = await runCli(['serve', '--worker', appWorker, '--port', '0', '--root', tempDir()], {
      env: { EPHPM_ADDON: join(tempDir(), 'ephpm.node') },
    });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/The ephpm native addon is not built \(looked for .*ephpm\.node\)/);
    expect(result.output).toMatch(/try: Build it against your installed PHP: npx ephpm runtime:build/);
  });

  it('says how to install libphp when it is missing', async () => {
    const result = await runCli(['runtime:info'], { env: { EPHPM_ADDON: patchedAddon('libphp.so\0', 'libphp.s0\0') } });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/embed library libphp\.s0 is not installed/);
    expect(result.output).toMatch(/sudo apt-get install -y libphp8\.2-embed/);
  });
});

describe('an addon built against another PHP', () => {
  it('warns and keeps serving when only the patch release differs', async () => {
    const stale = systemPhpVersion.replace(/\.\d+$/, '.00');
    const server = await startServer(['--worker', appWorker, '--workers', '1'], {
      env: { EPHPM_ADDON: patchedAddon(`${systemPhpVersion}\0`, `${stale}\0`) },
    });
    try {
      expect((await fetch(`${server.url}/pid`)).status).toBe(200);
      await server.waitFor(
        new RegExp(
          `built against PHP ${stale.replace(/\./g, '\\.')} but the installed libphp is ${systemPhpVersion.replace(/\./g, '\\.')}; .*ephpm runtime:build`,
        ),
      );
    } finally {
      await server.stop();
    }
  });

  it('refuses to start when the minor version differs, naming ephpm runtime:build', async () => {
    const other = systemPhpVersion.replace(/^8\.2\./, '8.1.');
    const dir = tempDir();
    const result = await runCli(
      ['serve', '--port', '0', '--workers', '1', '--worker', appWorker, '--state-file', join(dir, 's.json')],
      {
        env: { EPHPM_ADDON: patchedAddon(`${systemPhpVersion}\0`, `${other}\0`) },
      },
    );
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/which it cannot run\. Rebuild it: ephpm runtime:build/);
  });
});

describe('ephpm runtime:build', () => {
  it('rebuilds the addon against the installed libphp, which then loads its bound copy', async () => {
    // One g++ run compiles every native file: ~20 s on an idle 2-core machine, more while other tests run.
    const result = await runCli(['runtime:build'], { timeoutMs: 110_000 });
    expect(result.code).toBe(0);
    expect(result.output).toMatch(
      new RegExp(
        `rebuilt .*ephpm\\.node against PHP ${systemPhpVersion.replace(/\./g, '\\.')} \\(/usr/lib/libphp8\\.2\\.so\\) .*; loads a bound copy of it \\(\\d+ calls, \\d+ address loads\\)`,
      ),
    );
    // Debian's libphp8.2.so names itself libphp.so, which no package installs: the copy beside the addon has that name.
    const copy = join(repoRoot, 'native', 'build', 'libphp.so');
    expect(lstatSync(copy).isFile()).toBe(true);
    const info = await runCli(['runtime:info', '--json']);
    expect(info.code).toBe(0);
    expect((JSON.parse(info.stdout) as { addon: { libphp: string } }).addon.libphp).toBe(copy);
  }, 120_000);

  it('says which packages to install when the PHP headers are missing', async () => {
    const result = await runCli(['runtime:build'], { env: { EPHPM_PHP_CONFIG: 'php-config-not-installed' } });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/php-config-not-installed was not found or does not run/);
    expect(result.output).toMatch(/sudo apt-get install -y php8\.2-dev libphp8\.2-embed g\+\+/);
  });

  it('builds against the PHP EPHPM_PHP_CONFIG names: its include dirs and its library (--print shows the commands)', async () => {
    const php = standInPhpConfig({ version: '8.4.1', library: 'libphp.so' });
    const result = await runCli(['runtime:build', '--print'], { env: { EPHPM_PHP_CONFIG: php.phpConfig } });
    expect(result.code).toBe(0);
    const [found, ...commands] = result.output.trim().split('\n');
    expect(found).toBe(`PHP 8.4.1 from ${php.phpConfig}, library ${php.prefix}/lib/libphp.so`);
    const compiles = commands.filter((line) => line.includes(' -c '));
    expect(compiles.length).toBeGreaterThan(10);
    for (const compile of compiles)
      expect(compile).toContain(`-I${php.prefix}/include/php/main -I${php.prefix}/include/php/TSRM`);
    expect(result.output).not.toMatch(/include\/php\/2022|php8\.2/);
    expect(commands.at(-2)).toMatch(
      new RegExp(
        `-shared .* -L${php.prefix}/lib -lphp -Wl,-rpath,\\$ORIGIN -Wl,-rpath,${php.prefix}/lib .*-o \\S+ephpm\\.node\\.tmp$`,
      ),
    );
    // The worker proxy: a program of its own, without PHP.
    expect(commands.at(-1)).toMatch(/ \S+\/native\/worker-proxy\/worker_proxy\.cc -o \S+\/ephpm-worker-proxy\.tmp$/);
    expect(commands.at(-1)).not.toMatch(/-lphp|include\/php|-shared/);
  });

  it('names the version it found in what to install when that PHP has no embed SAPI', async () => {
    const php = standInPhpConfig({ version: '8.3.7', sapis: 'cli fpm' });
    const result = await runCli(['runtime:build'], { env: { EPHPM_PHP_CONFIG: php.phpConfig } });
    expect(result.code).toBe(1);
    expect(result.output).toContain(`PHP 8.3.7 (${php.phpConfig}) has no embed SAPI (its SAPIs: cli fpm).`);
    expect(result.output).toMatch(/try: sudo apt-get install -y libphp8\.3-embed/);
  });
});
