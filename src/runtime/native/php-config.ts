// The PHP the addon needs, as its php-config describes it: the candidates on PATH, and the Debian packages to
// install, named with its version, when the addon or libphp is missing.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type Env = Record<string, string | undefined>;

/** Runs `php-config <flag>`; throws when it cannot run. */
export type PhpConfigRunner = (phpConfig: string, flag: string) => string;

export const runPhpConfig: PhpConfigRunner = (phpConfig, flag) =>
  execFileSync(phpConfig, [flag], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

/**
 * The php-configs to try, in order: $EPHPM_PHP_CONFIG alone when set; else `php-config` on PATH, then every
 * `php-config8.x` (and later majors) on PATH, newest first. Paths, as found on PATH.
 */
export function phpConfigCandidates(env: Env = process.env): string[] {
  if (env.EPHPM_PHP_CONFIG) return [env.EPHPM_PHP_CONFIG];
  const found = new Map<string, string>();
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (/^php-config(\d+\.\d+)?$/.test(name) && !found.has(name) && canAccess(join(dir, name), constants.X_OK))
        found.set(name, join(dir, name));
    }
  }
  const version = (name: string) => name.slice('php-config'.length);
  const versioned = [...found.keys()]
    .filter((name) => name !== 'php-config')
    .sort((a, b) => compareVersions(version(b), version(a)));
  return [...(found.has('php-config') ? ['php-config'] : []), ...versioned].map((name) => found.get(name)!);
}

/**
 * The PHP minor version the install hints name: the php-config found, else the `php` CLI on PATH, else 8.2.
 * Never throws.
 */
export function phpMinorForHints(env: Env = process.env): string {
  for (const phpConfig of phpConfigCandidates(env)) {
    const version = safely(() => runPhpConfig(phpConfig, '--version'));
    const minor = /^(\d+\.\d+)/.exec(version)?.[1];
    if (minor && compareVersions(minor, '8.2') >= 0) return minor;
  }
  const cli = safely(() =>
    execFileSync('php', ['-r', 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      env: env as NodeJS.ProcessEnv,
    }).trim(),
  );
  return /^\d+\.\d+$/.test(cli) && compareVersions(cli, '8.2') >= 0 ? cli : '8.2';
}

/** Debian's packages for building the addon against PHP `minor`. */
export function installHeadersHint(minor: string): string {
  return `sudo apt-get install -y php${minor}-dev libphp${minor}-embed g++`;
}

export function installLibphpHint(minor: string): string {
  return `sudo apt-get install -y libphp${minor}-embed`;
}

export function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

/** Whether this process may use `path` as `mode` says (constants.X_OK, W_OK…). */
export function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

export function safely(read: () => string): string {
  try {
    return read();
  } catch {
    return '';
  }
}
