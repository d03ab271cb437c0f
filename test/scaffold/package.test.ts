import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../helpers/ephpm-server.js';
import { standInPhpConfig } from '../helpers/php-config.js';
import { packedTarball, runToEnd } from '../helpers/scaffold.js';

/** The files `npm pack` puts in the tarball (dist/ as built by `npm test`'s pretest). */
function packedFiles(): string[] {
  const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return (JSON.parse(json) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((file) => file.path).sort();
}

function sourcesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((path) => pattern.test(path) && !path.startsWith('build'))
    .map((path) => `${dir}/${path}`);
}

describe('the npm package', () => {
  it('holds what a consumer needs: the compiled CLI and runtime, the addon sources, the driver, the stubs, the install script', () => {
    const files = packedFiles();
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'bin/run.js',
        'bin/create-ephpm-laravel.js',
        'scripts/install-addon.mjs',
        'dist/commands/serve.js',
        'dist/commands/init.js',
        'dist/scaffold/create.js',
        'dist/runtime/toolchain/addon-build.js',
        'composer-package/composer.json',
        'composer-package/bin/ephpm-worker.php',
        'composer-package/config/ephpm.php',
        'composer-package/src/EphpmServiceProvider.php',
        'stubs/laravel/ephpm.toml',
        'stubs/laravel/example/routes.php',
        ...sourcesUnder('native', /\.(cc|h)$/),
      ]),
    );
  });

  it('holds nothing it does not: no tests, TypeScript sources, source maps, Composer vendor/, built addon or repository scripts', () => {
    const unwanted = packedFiles().filter(
      (path) =>
        /^(test|src|bench|docs|\.ci|node_modules|\.cache)\//.test(path) ||
        /^composer-package\/(vendor|tests)\//.test(path) ||
        path.startsWith('composer-package/phpunit') ||
        path === 'composer-package/composer.lock' ||
        path.startsWith('native/build/') ||
        path.endsWith('.map') ||
        path.endsWith('.ts') ||
        (path.startsWith('scripts/') && path !== 'scripts/install-addon.mjs'),
    );
    expect(unwanted).toEqual([]);
  });

  it('installs without failing when the PHP found has no embed library, says exactly what to install, and runtime:build builds later', async () => {
    const project = tempDir('ephpm-install-');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    const php = standInPhpConfig({ version: '8.3.7', library: null });
    const install = await runToEnd(
      'npm',
      ['install', '--foreground-scripts', '--no-audit', '--no-fund', packedTarball()],
      { cwd: project, env: { EPHPM_PHP_CONFIG: php.phpConfig }, timeoutMs: 240_000 },
    );
    expect(install.code).toBe(0);
    expect(install.output).toContain(
      `ephpm: the native addon was not built: PHP 8.3.7's embed library (libphp8.3.so or libphp.so) is not in ${php.prefix}/lib`,
    );
    expect(install.output).toMatch(/ephpm: {3}install: sudo apt-get install -y libphp8\.3-embed/);
    expect(install.output).toMatch(/ephpm: {3}then build it: npx ephpm runtime:build/);
    expect(existsSync(join(project, 'node_modules', 'ephpm', 'native', 'build', 'ephpm.node'))).toBe(false);

    const build = await runToEnd('npx', ['ephpm', 'runtime:build'], { cwd: project, timeoutMs: 240_000 });
    expect(build.output).toMatch(/✔ rebuilt .*node_modules\/ephpm\/native\/build\/ephpm\.node against PHP 8\.2\.\d+/);
    expect((await runToEnd('npx', ['ephpm', 'runtime:info', '--json'], { cwd: project })).code).toBe(0);
  }, 600_000);
});
