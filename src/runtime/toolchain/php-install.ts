import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EphpmError } from '../errors.js';
import {
  compareVersions,
  installHeadersHint,
  installLibphpHint,
  phpMinorForHints,
  phpConfigCandidates,
  runPhpConfig,
  safely,
  type Env,
  type PhpConfigRunner,
} from '../native/php-config.js';

/** A PHP with the embed SAPI, as its php-config describes it: what the addon is compiled and linked against. */
export interface PhpInstall {
  /** The php-config that described it (a name on PATH or a path). */
  phpConfig: string;
  version: string;
  /** "8.3": Debian's packages carry it in their names (php8.3-dev, libphp8.3-embed). */
  minor: string;
  prefix: string;
  /** -I flags for PHP's headers. */
  includes: string[];
  /** The embed library: libphp8.x.so (Debian) or libphp.so (PHP built with --enable-embed). */
  library: string;
  libDir: string;
  /** What goes after -l: php8.3 or php. */
  linkName: string;
}

const OLDEST = [8, 2];

/**
 * The PHP to build against: the first candidate that is PHP 8.2 or newer with the embed SAPI and its library.
 * When none is, the first candidate's problem is the error (or, with none at all, what to install).
 */
export function findPhpInstall(env: Env = process.env, run: PhpConfigRunner = runPhpConfig): PhpInstall {
  const candidates = phpConfigCandidates(env);
  let first: EphpmError | null = null;
  for (const phpConfig of candidates) {
    try {
      return describePhpInstall(phpConfig, run, env);
    } catch (error) {
      first ??= error as EphpmError;
    }
  }
  if (first) throw first;
  const minor = phpMinorForHints(env);
  throw new EphpmError(
    'EPHPM_PHP_NOT_FOUND',
    "No php-config was found (not $EPHPM_PHP_CONFIG, nor php-config or php-config8.x on PATH): PHP's headers and embed library are not installed.",
    `${installHeadersHint(minor)}  (or point EPHPM_PHP_CONFIG at the php-config of a PHP 8.2+ built with --enable-embed)`,
  );
}

/** What one php-config says, checked: PHP 8.2+, the embed SAPI, its library present. */
export function describePhpInstall(
  phpConfig: string,
  run: PhpConfigRunner = runPhpConfig,
  env: Env = process.env,
): PhpInstall {
  const ask = (flag: string) => {
    try {
      return run(phpConfig, flag);
    } catch {
      throw new EphpmError(
        'EPHPM_PHP_NOT_FOUND',
        `${phpConfig} was not found or does not run: PHP's headers and embed library are not installed.`,
        installHeadersHint(phpMinorForHints({ ...env, EPHPM_PHP_CONFIG: undefined })),
      );
    }
  };
  const version = ask('--version');
  const numbers = /^(\d+)\.(\d+)/.exec(version);
  if (!numbers)
    throw new EphpmError(
      'EPHPM_PHP_NOT_FOUND',
      `${phpConfig} --version printed ${JSON.stringify(version)}, not a PHP version.`,
      'Point EPHPM_PHP_CONFIG at the php-config of a PHP 8.2 or newer.',
    );
  const minor = `${numbers[1]}.${numbers[2]}`;
  if (compareVersions(minor, OLDEST.join('.')) < 0) {
    throw new EphpmError(
      'EPHPM_PHP_TOO_OLD',
      `${phpConfig} is PHP ${version}; ephpm needs PHP 8.2 or newer.`,
      `${installHeadersHint('8.2')}  (or point EPHPM_PHP_CONFIG at a newer PHP's php-config)`,
    );
  }
  const sapis = safely(() => ask('--php-sapis'));
  const configureOptions = safely(() => ask('--configure-options'));
  if (!/\bembed\b/.test(sapis) && !/--enable-embed\b/.test(configureOptions)) {
    throw new EphpmError(
      'EPHPM_PHP_NO_EMBED',
      `PHP ${version} (${phpConfig}) has no embed SAPI (its SAPIs: ${sapis || 'unknown'}).`,
      `${installLibphpHint(minor)}  (a PHP you built yourself: configure it with --enable-embed)`,
    );
  }
  const prefix = ask('--prefix');
  const includes = ask('--includes').split(/\s+/).filter(Boolean);
  const libDirs = [join(prefix, 'lib'), join(prefix, 'lib64'), ...multiarchDirs(prefix)];
  const names = [`libphp${minor}.so`, 'libphp.so', `libphp${numbers[1]}.so`];
  for (const libDir of libDirs) {
    for (const name of names) {
      const library = join(libDir, name);
      if (existsSync(library))
        return {
          phpConfig,
          version,
          minor,
          prefix,
          includes,
          library,
          libDir,
          linkName: name.slice('lib'.length, -'.so'.length),
        };
    }
  }
  throw new EphpmError(
    'EPHPM_LIBPHP_MISSING',
    `PHP ${version}'s embed library (${names.slice(0, 2).join(' or ')}) is not in ${libDirs.join(', ')}.`,
    `${installLibphpHint(minor)}  (a PHP you built yourself: configure it with --enable-embed)`,
  );
}

/** Debian's multiarch library dirs under the prefix (lib/x86_64-linux-gnu, …). */
function multiarchDirs(prefix: string): string[] {
  try {
    return readdirSync(join(prefix, 'lib'))
      .filter((name) => /-linux-gnu/.test(name))
      .map((name) => join(prefix, 'lib', name));
  } catch {
    return [];
  }
}
