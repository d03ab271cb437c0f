import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import * as p from '@clack/prompts';
import { DATABASES, type Database } from './app-files.js';
import { installsAsItIs, type MajorProbe } from './composer-probes.js';
import { toolNames } from './left-out.js';

// The questions, each asked only when its flag was not given; a cancelled prompt (Ctrl-C, Esc) returns p.isCancel's symbol.

export function askDirectory(): Promise<string | symbol> {
  return p.text({
    message: 'Where should the app go? (a new or empty directory, or an existing Laravel app)',
    placeholder: 'my-app',
    defaultValue: 'my-app',
    validate: (value) => {
      const dir = resolve(value || 'my-app');
      if (existsSync(dir) && !existsSync(resolve(dir, 'artisan')) && readdirSync(dir).length > 0)
        return `${value} is not empty and not a Laravel app`;
      return undefined;
    },
  });
}

export function askLaravelVersion(
  probes: MajorProbe[],
  preselected: MajorProbe,
  php: string,
): Promise<number | symbol> {
  // Only the focused option shows its hint: what sets an option apart goes into its label.
  const versions = (probe: MajorProbe) => `laravel/framework ${probe.framework}, laravel/octane ${probe.octane}`;
  const option = (probe: MajorProbe) => {
    if (!probe.installs)
      return { label: `Laravel ${probe.major}`, hint: `does not install here: ${probe.problem}`, disabled: true };
    if (installsAsItIs(probe))
      return { label: `Laravel ${probe.major}`, hint: `installs as it is: ${versions(probe)}` };
    const needs = [...new Set(probe.leftOut.map((tool) => tool.needs))].join(', ');
    return {
      label: `Laravel ${probe.major} without ${toolNames(probe.leftOut)}, which ${probe.leftOut.length === 1 ? 'needs' : 'need'} ${needs}`,
      hint: versions(probe),
    };
  };
  return p.select({
    message: `Laravel version (what installs with laravel/octane on PHP ${php})`,
    initialValue: preselected.major,
    options: probes.map((probe) => ({ value: probe.major, ...option(probe) })),
  });
}

export function askDatabase(): Promise<Database | symbol> {
  return p.select({
    message: 'Database',
    initialValue: 'sqlite' as Database,
    options: (Object.entries(DATABASES) as Array<[Database, string]>).map(([value, label]) => ({
      value,
      label,
      hint:
        value === 'sqlite' ? 'a file in database/, nothing else to run' : 'set its DB_* settings in .env afterwards',
    })),
  });
}

export function askExample(): Promise<boolean | symbol> {
  return p.confirm({
    message: 'Add a small example of Octane tables, ticks and concurrently (GET /ephpm-example)?',
    initialValue: false,
  });
}
