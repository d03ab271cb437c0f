import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EphpmError } from '../errors.js';

/**
 * What the runtime takes from a Laravel app's Octane configuration before it starts any worker: `octane.tables`,
 * `octane.cache`, whether to run the tick worker (`octane.tick`, else whether a provider registered an
 * `Octane::tick()`), whether to serve public/'s files (`octane.serve_static_files`) and the symlinks the app declares
 * (`filesystems.links`). The driver's `Ephpm\Octane\Server\OctaneSettings` reads them in the booted app.
 */
export interface OctaneSettings {
  /** Octane's format, `{"name:rows": {"column": "type:size"}}`; null = none. */
  tables: Record<string, unknown> | null;
  /** `{rows, bytes}`; null = no `octane` cache store. */
  cache: Record<string, unknown> | null;
  tick: boolean;
  /** false: every request goes to PHP, none is answered from public/ (absent in settings cached by older drivers). */
  serveStaticFiles?: boolean;
  /** `filesystems.links`, what `php artisan storage:link` makes (absent in settings cached by older drivers: none). */
  links?: DeclaredLink[];
}

/** A symlink the app declares: `link` (a path, e.g. public/storage) points to `target` (e.g. storage/app/public). */
export interface DeclaredLink {
  link: string;
  target: string;
}

/** Set by `php artisan octane:start`, which has the app booted already: the settings as JSON. */
export const SETTINGS_ENV = 'EPHPM_OCTANE_SETTINGS';
const COMMAND = 'ephpm:octane-settings';
const CACHE_FILE = join('.ephpm', 'octane-settings.json');
/** Variables a shell changes from one command to the next, which no config reads. */
const VOLATILE_ENV = new Set(['_', 'OLDPWD', 'PWD', 'SHLVL', SETTINGS_ENV]);

/**
 * What the app's settings are read from: config, .env, providers, installed packages, and the environment (config
 * files read it with env()). The answer of `php artisan ephpm:octane-settings` is cached until one of these changes
 * (a file's mtime or size, a variable's value).
 */
const INPUTS = [
  'config',
  '.env',
  'bootstrap/app.php',
  'bootstrap/providers.php',
  'bootstrap/cache',
  'app/Providers',
  'composer.lock',
  'vendor/composer/installed.json',
];

/**
 * The app's Octane settings: from EPHPM_OCTANE_SETTINGS when octane:start set it, else asked of the app once
 * through `php artisan ephpm:octane-settings` and cached in `.ephpm/octane-settings.json` until its config changes.
 */
export function readOctaneSettings(root: string, env: NodeJS.ProcessEnv = process.env): OctaneSettings {
  const given = env[SETTINGS_ENV];
  if (given !== undefined && given !== '')
    return parseSettings(given, `${SETTINGS_ENV} (set by php artisan octane:start)`);

  const fingerprint = inputsFingerprint(root, env);
  const cacheFile = join(root, CACHE_FILE);
  const cached = readCache(cacheFile, fingerprint);
  if (cached) return cached;

  const run = spawnSync('php', ['artisan', COMMAND, '--no-ansi', '--no-interaction'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...env, [SETTINGS_ENV]: '' },
  });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
  if (run.error || run.status !== 0) {
    throw new EphpmError(
      'EPHPM_LARAVEL_SETTINGS',
      `ephpm could not read the app's Octane settings (octane.tables, octane.cache, ticks): php artisan ${COMMAND} in ${root} ${run.error ? `failed to run (${run.error.message})` : `exited with ${run.status}`}:\n${output}`,
      'fix the error above (the app must boot in the console, as for any artisan command), or run php artisan octane:start',
    );
  }
  // The JSON is the last line: a deprecation notice or a package's chatter may come before it.
  const settings = parseSettings(run.stdout.trim().split('\n').pop() ?? '', `the output of php artisan ${COMMAND}`);
  writeCache(cacheFile, fingerprint, settings);
  return settings;
}

function parseSettings(text: string, origin: string): OctaneSettings {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new EphpmError(
      'EPHPM_LARAVEL_SETTINGS',
      `${origin} is not JSON (${(error as Error).message}): ${text.slice(0, 200)}`,
    );
  }
  const settings = value as Partial<OctaneSettings> | null;
  if (typeof settings !== 'object' || settings === null || typeof settings.tick !== 'boolean') {
    throw new EphpmError('EPHPM_LARAVEL_SETTINGS', `${origin} is not the app's Octane settings: ${text.slice(0, 200)}`);
  }
  return {
    tables: settings.tables ?? null,
    cache: settings.cache ?? null,
    tick: settings.tick,
    serveStaticFiles: settings.serveStaticFiles !== false,
    links: declaredLinks(settings.links),
  };
}

function declaredLinks(value: unknown): DeclaredLink[] {
  if (!Array.isArray(value)) return [];
  return (value as Array<Partial<Record<keyof DeclaredLink, unknown>> | null>)
    .filter((entry): entry is DeclaredLink => typeof entry?.link === 'string' && typeof entry?.target === 'string')
    .map(({ link, target }) => ({ link, target }));
}

/** mtime and size of every input file (files under a directory input one by one) and the environment, hashed. */
function inputsFingerprint(root: string, env: NodeJS.ProcessEnv): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(env)
    .filter((key) => !VOLATILE_ENV.has(key))
    .sort())
    hash.update(`${name}=${env[name]}\0`);
  for (const input of INPUTS) {
    const path = join(root, input);
    if (!existsSync(path)) continue;
    const files = statSync(path).isDirectory()
      ? readdirSync(path, { recursive: true, encoding: 'utf8' })
          .map((file) => join(input, file))
          .sort()
      : [input];
    for (const file of files) {
      const stat = statSync(join(root, file));
      if (stat.isFile()) hash.update(`${file}\0${stat.mtimeMs}\0${stat.size}\0`);
    }
  }
  return hash.digest('hex');
}

function readCache(file: string, fingerprint: string): OctaneSettings | null {
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { fingerprint?: string; settings?: OctaneSettings };
    return cached.fingerprint === fingerprint && cached.settings ? cached.settings : null;
  } catch {
    return null; // none yet, or unreadable: ask the app
  }
}

function writeCache(file: string, fingerprint: string, settings: OctaneSettings): void {
  try {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(`${file}.tmp`, `${JSON.stringify({ fingerprint, settings }, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  } catch {
    // A read-only app directory: ask again next time.
  }
}
