import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import * as p from '@clack/prompts';
import { DATABASES, type Database } from './app-files.js';
import type { MajorProbe } from './composer-probes.js';

// The questions, each asked only when its flag was not given; a cancelled prompt (Ctrl-C, Esc) returns p.isCancel's symbol.

export function askDirectory(): Promise<string | symbol> {
  return p.text({
    message: 'Where should the app go? (a new or empty directory, or an existing Laravel app)',
    placeholder: 'my-app',
    defaultValue: 'my-app',
    validate: (value) => {
      const dir = resolve(value || 'my-app');
      if (existsSync(dir) && !existsSync(resolve(dir, 'artisan')) && readdirSync(dir).length > 0) return `${value} is not empty and not a Laravel app`;
      return undefined;
    },
  });
}

export function askLaravelVersion(probes: MajorProbe[], php: string): Promise<number | symbol> {
  const first = probes.find((probe) => probe.installs);
  return p.select({
    message: `Laravel version (what installs with laravel/octane on PHP ${php})`,
    initialValue: first?.major,
    options: probes.map((probe) => ({
      value: probe.major,
      label: `Laravel ${probe.major}`,
      hint: probe.installs ? `${probe === first ? 'newest that installs: ' : ''}laravel/framework ${probe.framework}, laravel/octane ${probe.octane}` : `does not install here: ${probe.problem}`,
      disabled: !probe.installs,
    })),
  });
}

export function askDatabase(): Promise<Database | symbol> {
  return p.select({
    message: 'Database',
    initialValue: 'sqlite' as Database,
    options: (Object.entries(DATABASES) as Array<[Database, string]>).map(([value, label]) => ({
      value,
      label,
      hint: value === 'sqlite' ? 'a file in database/, nothing else to run' : 'set its DB_* settings in .env afterwards',
    })),
  });
}

export function askExample(): Promise<boolean | symbol> {
  return p.confirm({ message: 'Add a small example of Octane tables, ticks and concurrently (GET /ephpm-example)?', initialValue: false });
}
