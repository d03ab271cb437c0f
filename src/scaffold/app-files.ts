import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../runtime/native/addon.js';

// What the scaffolder writes into an app, as functions from a file's text to its new text: each returns the text
// unchanged when the change is already there, which is how a second run knows there is nothing to do.

export type Database = 'sqlite' | 'mysql' | 'mariadb' | 'pgsql' | 'sqlsrv';

export const DATABASES: Record<Database, string> = {
  sqlite: 'SQLite',
  mysql: 'MySQL',
  mariadb: 'MariaDB',
  pgsql: 'PostgreSQL',
  sqlsrv: 'SQL Server',
};

const DATABASE_PORTS: Record<Exclude<Database, 'sqlite'>, number> = {
  mysql: 3306,
  mariadb: 3306,
  pgsql: 5432,
  sqlsrv: 1433,
};

const stub = (...path: string[]) => readFileSync(join(packageRoot, 'stubs', 'laravel', ...path), 'utf8');

/** `.env` / `.env.example` with `OCTANE_SERVER=ephpm` (set, or replacing another server). */
export function withOctaneServer(env: string): string {
  if (/^OCTANE_SERVER=.*$/m.test(env)) return env.replace(/^OCTANE_SERVER=.*$/m, 'OCTANE_SERVER=ephpm');
  return `${env}${env === '' || env.endsWith('\n') ? '' : '\n'}\nOCTANE_SERVER=ephpm\n`;
}

/** The server another value of OCTANE_SERVER named, if any (to say what was replaced). */
export function previousOctaneServer(env: string): string | null {
  const value = /^OCTANE_SERVER=(.*)$/m.exec(env)?.[1]?.trim();
  return value && value !== 'ephpm' ? value : null;
}

/** Laravel's `.env` for another database than SQLite, as the Laravel installer writes it. */
export function withDatabase(env: string, database: Database, appName: string): string {
  if (database === 'sqlite') return env;
  const settings: Record<string, string> = {
    DB_CONNECTION: database,
    DB_HOST: '127.0.0.1',
    DB_PORT: String(DATABASE_PORTS[database]),
    DB_DATABASE:
      appName
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_|_$/g, '') || 'laravel',
  };
  let text = env;
  for (const [key, value] of Object.entries(settings)) {
    text = text.replace(new RegExp(`^(?:#\\s*)?${key}=.*$`, 'm'), `${key}=${value}`);
  }
  return text.replace(/^#\s*(DB_USERNAME|DB_PASSWORD)=/gm, '$1=');
}

/** config/octane.php as Octane publishes it, with ephpm as the server when OCTANE_SERVER is not set. */
export function withEphpmServerDefault(octaneConfig: string): string {
  return octaneConfig.replace(/('server'\s*=>\s*env\('OCTANE_SERVER',\s*)'[^']*'\)/, "$1'ephpm')");
}

/** `.gitignore` with the runtime's state directory in it. */
export function withStateDirIgnored(gitignore: string): string {
  if (/^\/?\.ephpm\/?$/m.test(gitignore)) return gitignore;
  return `${gitignore}${gitignore === '' || gitignore.endsWith('\n') ? '' : '\n'}/.ephpm/\n`;
}

export interface AppPackageJson {
  scripts?: Record<string, string>;
  devDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
  [key: string]: unknown;
}

/** The app's scripts for the runtime: `serve` and `dev`, or `ephpm:serve` / `ephpm:dev` where the name is taken (Vite's `dev`). */
export function withEphpmScripts(pkg: AppPackageJson): AppPackageJson {
  const scripts = { ...pkg.scripts };
  for (const name of ['serve', 'dev']) {
    const command = `ephpm ${name}`;
    if (Object.values(scripts).includes(command)) continue;
    scripts[scripts[name] === undefined ? name : `ephpm:${name}`] = command;
  }
  return { ...pkg, scripts };
}

/** npm runs ephpm's install script (which builds the addon) without a warning once the app allows it. */
export function withInstallScriptAllowed(pkg: AppPackageJson, key: string | null): AppPackageJson {
  if (key === null || pkg.allowScripts?.[key] === true) return pkg;
  return { ...pkg, allowScripts: { ...pkg.allowScripts, [key]: true } };
}

/** Whether package.json already depends on ephpm. */
export function dependsOnEphpm(pkg: AppPackageJson): boolean {
  return pkg.devDependencies?.ephpm !== undefined || pkg.dependencies?.ephpm !== undefined;
}

/** ephpm.toml: every setting commented out at its default; the example turns on what it uses. */
export function ephpmToml(options: { example: boolean }): string {
  const toml = stub('ephpm.toml');
  return options.example ? `${toml}\n${exampleSettings()}` : toml;
}

/**
 * ephpm.toml with the example's settings added (--example on an app set up without it); unchanged when the file
 * already has a [server] or [tables] section of its own, which the example's would clash with.
 */
export function withExampleSettings(toml: string): string {
  if (hasExampleSettings(toml) || /^\s*\[(server|tables)\]/m.test(toml)) return toml;
  return `${toml}${toml.endsWith('\n') ? '' : '\n'}\n${exampleSettings()}`;
}

export function hasExampleSettings(toml: string): boolean {
  return /^\s*"example:1000"\s*=/m.test(toml);
}

/** The example's part of ephpm.toml. */
export function exampleSettings(): string {
  return stub('example', 'ephpm.toml');
}

/** The example's files, by their path in the app. */
export function exampleFiles(): Record<string, string> {
  return {
    'app/Providers/EphpmExampleServiceProvider.php': stub('example', 'EphpmExampleServiceProvider.php'),
    'routes/ephpm-example.php': stub('example', 'routes.php'),
  };
}

export const EXAMPLE_PROVIDER = 'App\\Providers\\EphpmExampleServiceProvider';
