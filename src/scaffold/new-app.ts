import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { composerJson, installedPackages } from '../runtime/laravel/composer-packages.js';
import { withDatabase, type Database } from './app-files.js';
import type { MajorProbe } from './composer-probes.js';
import { leftOutLine, toolNames } from './left-out.js';
import type { RunStep } from './progress.js';
import { runTool } from './tools.js';

/**
 * `composer create-project laravel/laravel` (whose own scripts write .env, the app key and, for SQLite, the
 * migrated database), then the database chosen, as the Laravel installer sets it. When the probe had to leave dev
 * tools out, the same steps one by one with those tools taken out of require-dev first.
 */
export async function createLaravelApp(
  dir: string,
  probe: MajorProbe,
  database: Database,
  run: RunStep,
): Promise<void> {
  const { major, leftOut } = probe;
  const createProject = [
    'create-project',
    `laravel/laravel:^${major}.0`,
    dir,
    '--prefer-dist',
    '--no-progress',
    '--no-interaction',
  ];
  const created = () => `laravel/framework ${installedPackages(dir)?.get('laravel/framework') ?? '?'}`;
  if (leftOut.length === 0) {
    await run(
      `composer create-project laravel/laravel:^${major}.0 ${basename(dir)}`,
      () => runTool('composer', createProject, { cwd: process.cwd() }),
      () => {
        return `Laravel ${major} app created (${created()})`;
      },
    );
  } else {
    const without = toolNames(leftOut);
    await run(
      `composer create-project laravel/laravel:^${major}.0 ${basename(dir)}, without ${without}`,
      () =>
        createWithout(
          dir,
          createProject,
          leftOut.map((tool) => tool.name),
        ),
      () => {
        return [`Laravel ${major} app created without ${without} (${created()})`, ...leftOut.map(leftOutLine)].join(
          '\n',
        );
      },
    );
  }
  if (database === 'sqlite') return;
  for (const name of ['.env', '.env.example']) {
    const file = join(dir, name);
    if (existsSync(file)) writeFileSync(file, withDatabase(readFileSync(file, 'utf8'), database, basename(dir)));
  }
  rmSync(join(dir, 'database', 'database.sqlite'), { force: true }); // made by the skeleton's scripts for SQLite
}

/** What `composer create-project` does, in its order, with `tools` removed from require-dev before anything installs. */
async function createWithout(dir: string, createProject: string[], tools: string[]): Promise<void> {
  await runTool('composer', [...createProject, '--no-install', '--no-scripts'], { cwd: process.cwd() });
  await runTool('composer', ['remove', '--dev', '--no-update', '--no-interaction', ...tools], { cwd: dir });
  const scripts = composerJson(dir)?.scripts ?? {};
  const runScript = async (event: string) => {
    if (scripts[event] !== undefined)
      await runTool('composer', ['run-script', event, '--no-interaction'], { cwd: dir });
  };
  await runScript('post-root-package-install');
  await runTool('composer', ['update', '--no-interaction', '--no-progress'], { cwd: dir });
  await runScript('post-create-project-cmd');
}
