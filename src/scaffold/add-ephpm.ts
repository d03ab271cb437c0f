import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { composerJson, installedPackages, shippedDriver } from '../runtime/laravel/composer-packages.js';
import {
  EXAMPLE_PROVIDER,
  dependsOnEphpm,
  ephpmToml,
  exampleFiles,
  exampleSettings,
  hasExampleSettings,
  previousOctaneServer,
  withEphpmScripts,
  withEphpmServerDefault,
  withExampleSettings,
  withInstallScriptAllowed,
  withOctaneServer,
  withStateDirIgnored,
  type AppPackageJson,
} from './app-files.js';
import { driverSource } from './composer-probes.js';
import type { EphpmPackage } from './ephpm-package.js';
import type { RunStep } from './progress.js';
import { ToolFailed, runTool } from './tools.js';

/** Where the app's Composer finds the driver when Packagist does not have it: the npm package it just installed. */
export const DRIVER_PATH_REPOSITORY = 'node_modules/ephpm/composer-package';

export interface AddEphpmOptions {
  dir: string;
  ephpm: EphpmPackage;
  example: boolean;
  run: RunStep;
}

export interface AddEphpmResult {
  /** What changed, one line each; empty when ephpm was already fully set up. */
  changes: string[];
  /** Things the user still has to do (the addon could not be built). */
  warnings: string[];
}

/**
 * Adds ephpm to a Laravel app: the npm package (which builds the addon), laravel/octane and the driver, Octane's
 * config with ephpm as the server, OCTANE_SERVER, ephpm.toml, .gitignore, and the example when asked. Each part is
 * done only when it is missing, so a second run changes nothing.
 */
export async function addEphpm(options: AddEphpmOptions): Promise<AddEphpmResult> {
  const result: AddEphpmResult = { changes: [], warnings: [] };
  await npmPart(options, result);
  await composerPart(options, result);
  await publishConfig(options, result);
  filesPart(options, result);
  if (options.example) await examplePart(options, result);
  return result;
}

async function npmPart({ dir, ephpm, run }: AddEphpmOptions, result: AddEphpmResult): Promise<void> {
  const file = join(dir, 'package.json');
  const before: AppPackageJson = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as AppPackageJson)
    : { private: true };
  const withScripts = withEphpmScripts(before);
  // allowScripts only for the ephpm this run installs: an app that has one keeps its own.
  const after = dependsOnEphpm(before) ? withScripts : withInstallScriptAllowed(withScripts, ephpm.allowScriptsKey);
  if (JSON.stringify(after) !== JSON.stringify(before)) {
    writeFileSync(file, `${JSON.stringify(after, null, 2)}\n`);
    const added = Object.keys(after.scripts ?? {}).filter((name) => before.scripts?.[name] === undefined);
    const allowed = after.allowScripts !== before.allowScripts;
    result.changes.push(
      `package.json: ${[added.length > 0 ? `scripts ${added.join(', ')}` : null, allowed ? "allowScripts for ephpm's install script" : null].filter(Boolean).join('; ')}`,
    );
  }
  const installed = existsSync(join(dir, 'node_modules', 'ephpm', 'package.json'));
  if (!dependsOnEphpm(before) || !installed) {
    const args = [
      'install',
      '--no-audit',
      '--no-fund',
      '--foreground-scripts',
      ...(dependsOnEphpm(before) ? [] : ['--save-dev', ephpm.spec]),
    ];
    const built = (output: string) => /^ephpm: (native addon built against PHP .*)$/m.exec(output)?.[1];
    const output = await run(
      "npm install: the ephpm runtime and the app's packages",
      () => runTool('npm', args, { cwd: dir }),
      (out) => {
        return `ephpm ${ephpm.version} installed from ${ephpm.spec}${built(out) ? `; its ${built(out)}` : ''}`;
      },
    );
    result.changes.push(`npm: ephpm (${ephpm.spec}) in devDependencies${built(output) ? `; ${built(output)}` : ''}`);
  }
  if (existsSync(join(dir, 'node_modules', 'ephpm', 'native', 'build', 'ephpm.node'))) return;
  // npm skipped ephpm's install script (--ignore-scripts, a policy) or it could not build: try once more, loudly.
  try {
    const output = await run(
      'Building the ephpm runtime against the PHP found',
      () =>
        runTool(process.execPath, [join(dir, 'node_modules', 'ephpm', 'bin', 'run.js'), 'runtime:build'], { cwd: dir }),
      () => 'ephpm runtime built',
    );
    result.changes.push(output.trim().split('\n')[0]!.replace(/^✔ /, ''));
  } catch (error) {
    if (!(error instanceof ToolFailed)) throw error;
    const lines = error.output.split('\n');
    const problem = lines.find((line) => line.startsWith('error '))?.replace(/^error /, '') ?? lines[0] ?? '';
    const fix = lines
      .find((line) => line.trim().startsWith('try:'))
      ?.trim()
      .replace(/^try: /, '');
    result.warnings.push(
      `The ephpm runtime is not built: ${problem}${fix ? `\nInstall: ${fix}` : ''}\nthen, in the app: npx ephpm runtime:build`,
    );
  }
}

async function composerPart({ dir, run }: AddEphpmOptions, result: AddEphpmResult): Promise<void> {
  const installed = installedPackages(dir) ?? new Map<string, string>();
  const missing = ['laravel/octane', 'ephpm/octane-driver'].filter((name) => !installed.has(name));
  if (missing.length === 0) return;
  const driver = await driverSource();
  const repositories = composerJson(dir)?.repositories;
  if (driver.pathRepository && !JSON.stringify(repositories ?? {}).includes(DRIVER_PATH_REPOSITORY)) {
    await runTool(
      'composer',
      ['config', 'repositories.ephpm', JSON.stringify({ type: 'path', url: DRIVER_PATH_REPOSITORY })],
      { cwd: dir },
    );
    result.changes.push(`composer.json: repositories.ephpm (path ${DRIVER_PATH_REPOSITORY})`);
  }
  // Constraints given: Composer 2.5 reads composer.lock to pick one, and there is none with `lock: false`.
  const octane = shippedDriver().require['laravel/octane'] ?? '*';
  const packages = missing.map((name) => `${name}:${name === 'ephpm/octane-driver' ? driver.constraint : octane}`);
  await run(
    `composer require ${packages.join(' ')}`,
    () => runTool('composer', ['require', ...packages, '--no-interaction', '--no-progress'], { cwd: dir }),
    () => {
      const now = installedPackages(dir);
      return missing.map((name) => `${name} ${now?.get(name) ?? ''}`.trim()).join(' and ') + ' installed';
    },
  );
  result.changes.push(`composer: ${missing.join(', ')}`);
}

function filesPart({ dir, example }: AddEphpmOptions, result: AddEphpmResult): void {
  const edit = (path: string, change: (text: string) => string, describe: string, create = false) => {
    const file = join(dir, path);
    if (!existsSync(file) && !create) return;
    const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const after = change(before);
    if (after === before) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, after);
    result.changes.push(`${path}: ${describe}`);
  };
  const previous = previousOctaneServer(existsSync(join(dir, '.env')) ? readFileSync(join(dir, '.env'), 'utf8') : '');
  edit('.env', withOctaneServer, `OCTANE_SERVER=ephpm${previous ? ` (was ${previous})` : ''}`);
  edit('.env.example', withOctaneServer, 'OCTANE_SERVER=ephpm');
  edit(
    'ephpm.toml',
    (text) => (text === '' ? ephpmToml({ example }) : example ? withExampleSettings(text) : text),
    example ? "the server's settings, and the example's" : "the server's settings, commented out at their defaults",
    true,
  );
  const toml = readFileSync(join(dir, 'ephpm.toml'), 'utf8');
  if (example && !hasExampleSettings(toml)) {
    result.warnings.push(
      `ephpm.toml has [server] or [tables] sections of its own; for the example under \`npx ephpm serve\`, add to them:\n${exampleSettings()}`,
    );
  }
  edit('.gitignore', withStateDirIgnored, "/.ephpm/ (the running server's state)", true);
}

/** Octane's config (and the driver's), published by the app's artisan: only when the app has none. */
async function publishConfig({ dir, run }: AddEphpmOptions, result: AddEphpmResult): Promise<void> {
  const missing = [
    ['octane-config', 'config/octane.php'],
    ['ephpm-config', 'config/ephpm.php'],
  ].filter(([, path]) => !existsSync(join(dir, path!)));
  if (missing.length === 0) return;
  await run(
    "php artisan vendor:publish: Octane's config with ephpm as its server",
    async () => {
      for (const [tag, path] of missing) {
        await runTool('php', ['artisan', 'vendor:publish', `--tag=${tag}`, '--no-interaction'], { cwd: dir });
        if (path === 'config/octane.php')
          writeFileSync(join(dir, path), withEphpmServerDefault(readFileSync(join(dir, path), 'utf8')));
        result.changes.push(`${path}: published${path === 'config/octane.php' ? ', server ephpm' : ''}`);
      }
    },
    () => missing.map(([, path]) => path).join(' and ') + ' published',
  );
}

async function examplePart({ dir }: AddEphpmOptions, result: AddEphpmResult): Promise<void> {
  for (const [path, content] of Object.entries(exampleFiles())) {
    const file = join(dir, path);
    if (existsSync(file)) continue;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    result.changes.push(`${path}: the example`);
  }
  const providers = join(dir, 'bootstrap', 'providers.php');
  if (existsSync(providers) && !readFileSync(providers, 'utf8').includes(`${EXAMPLE_PROVIDER}::class`)) {
    // Laravel's own edit of bootstrap/providers.php, as `php artisan make:provider` does it.
    const code =
      'require "vendor/autoload.php"; Illuminate\\Support\\ServiceProvider::addProviderToBootstrapFile($argv[1], "bootstrap/providers.php");';
    await runTool('php', ['-r', code, EXAMPLE_PROVIDER], { cwd: dir });
    result.changes.push("bootstrap/providers.php: the example's provider");
  }
}
