import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { installedPackages } from '../runtime/laravel/composer-packages.js';
import { withDatabase, type Database } from './app-files.js';
import type { RunStep } from './progress.js';
import { runTool } from './tools.js';

/**
 * `composer create-project laravel/laravel` (whose own scripts write .env, the app key and, for SQLite, the
 * migrated database), then the database chosen, as the Laravel installer sets it.
 */
export async function createLaravelApp(dir: string, major: number, database: Database, run: RunStep): Promise<void> {
  const args = ['create-project', `laravel/laravel:^${major}.0`, dir, '--prefer-dist', '--no-progress', '--no-interaction'];
  await run(`composer create-project laravel/laravel:^${major}.0 ${basename(dir)}`, () => runTool('composer', args, { cwd: process.cwd() }), () => {
    return `Laravel ${major} app created (laravel/framework ${installedPackages(dir)?.get('laravel/framework') ?? '?'})`;
  });
  if (database === 'sqlite') return;
  for (const name of ['.env', '.env.example']) {
    const file = join(dir, name);
    if (existsSync(file)) writeFileSync(file, withDatabase(readFileSync(file, 'utf8'), database, basename(dir)));
  }
  rmSync(join(dir, 'database', 'database.sqlite'), { force: true }); // made by the skeleton's scripts for SQLite
}
