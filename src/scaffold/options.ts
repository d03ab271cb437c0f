import { parseArgs } from 'node:util';
import { EphpmError } from '../runtime/errors.js';
import { DATABASES, type Database } from './app-files.js';

/** create-ephpm-laravel's flags; each one given skips its prompt. */
export interface ScaffoldFlags {
  dir?: string;
  laravel?: number;
  database?: Database;
  example?: boolean;
  yes: boolean;
  help: boolean;
}

export const USAGE = `Usage: npx create-ephpm-laravel [dir] [options]

Creates a Laravel app that runs on ephpm (Laravel Octane on the embedded PHP runtime), or adds ephpm to the
existing Laravel app in [dir].

Options:
  --laravel <major>      Laravel version, e.g. 11 (default: the newest that installs as it is with laravel/octane
                         here; one whose dev tools need a newer PHP is made without them)
  --database <name>      ${Object.keys(DATABASES).join(', ')} (default: sqlite)
  --example              add a small example of Octane tables, ticks and concurrently (--no-example: don't)
  -y, --yes              ask nothing: defaults for everything not given
  -h, --help             show this help`;

export function parseFlags(argv: string[]): ScaffoldFlags {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        laravel: { type: 'string' },
        database: { type: 'string' },
        example: { type: 'boolean' },
        'no-example': { type: 'boolean' },
        yes: { type: 'boolean', short: 'y' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw usage(`one directory at most; got ${positionals.join(', ')}`);
  if (values.example && values['no-example']) throw usage('--example and --no-example together');
  const laravel = values.laravel === undefined ? undefined : Number(values.laravel.replace(/\.x$|\.0$/, ''));
  if (laravel !== undefined && !Number.isInteger(laravel))
    throw usage(`--laravel takes a major version such as 11; got ${values.laravel}`);
  const database = values.database?.toLowerCase();
  if (database !== undefined && !(database in DATABASES))
    throw usage(`--database is one of ${Object.keys(DATABASES).join(', ')}; got ${values.database}`);
  return {
    dir: positionals[0],
    laravel,
    database: database as Database | undefined,
    example: values.example ? true : values['no-example'] ? false : undefined,
    yes: values.yes ?? false,
    help: values.help ?? false,
  };
}

function usage(problem: string): EphpmError {
  return new EphpmError('EPHPM_USAGE', problem, 'npx create-ephpm-laravel --help');
}
