import { basename, resolve } from 'node:path';
import * as p from '@clack/prompts';
import kleur from 'kleur';
import { EphpmError } from '../runtime/errors.js';
import { shippedDriver } from '../runtime/laravel/composer-packages.js';
import { addEphpm } from './add-ephpm.js';
import type { Database } from './app-files.js';
import { driverSource, ensureOctaneResolvable, probeMajors, supportedMajors, type MajorProbe } from './composer-probes.js';
import { inspectTarget } from './detect.js';
import { ephpmPackage } from './ephpm-package.js';
import { setUpExistingApp } from './existing-app.js';
import { createLaravelApp } from './new-app.js';
import { whatsNext } from './next-steps.js';
import { parseFlags, USAGE, type ScaffoldFlags } from './options.js';
import { askDatabase, askDirectory, askExample, askLaravelVersion } from './prompts.js';
import { requireTools } from './requirements.js';
import { Cancelled, Session } from './session.js';

/** `npx create-ephpm-laravel [dir] [flags]`: the exit code. */
export async function createEphpmLaravel(argv: string[], cwd = process.cwd()): Promise<number> {
  let flags: ScaffoldFlags;
  try {
    flags = parseFlags(argv);
  } catch (error) {
    process.stderr.write(`create-ephpm-laravel: ${(error as Error).message}\n\n${USAGE}\n`);
    return 1;
  }
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  p.intro(`${kleur.bold('create-ephpm-laravel')}  Laravel on ephpm, the embedded PHP runtime for Node`);
  const session = new Session();
  try {
    return await scaffold(flags, cwd, session);
  } catch (error) {
    return session.fail(error);
  }
}

async function scaffold(flags: ScaffoldFlags, cwd: string, session: Session): Promise<number> {
  const ask = askerFor(flags);
  const dir = resolve(cwd, await ask(flags.dir, askDirectory, 'my-app'));
  const target = inspectTarget(dir);
  const php = requireTools();
  if (target.kind === 'laravel') {
    if (flags.laravel !== undefined || flags.database !== undefined) {
      p.log.warn(`${basename(dir)} is an existing Laravel app: --laravel and --database are for new apps, so they are ignored.`);
    }
    return setUpExistingApp(target, { example: await ask(flags.example, askExample, false), cwd, session });
  }

  await ensureOctaneResolvable();
  const major = await chooseLaravel(flags, ask, php, session);
  const database = await ask<Database>(flags.database, askDatabase, 'sqlite');
  const example = await ask(flags.example, askExample, false);

  session.creating(dir, target.existed);
  await createLaravelApp(dir, major, database, session.run);
  const ephpm = ephpmPackage();
  const result = await addEphpm({ dir, ephpm, example, run: session.run });
  session.finished();
  for (const warning of result.warnings) p.log.warn(warning);
  p.note(whatsNext({ dir, cwd, database, example, warnings: result.warnings }), "What's next");
  p.outro(`${basename(dir)} is ready: Laravel ${major} on ephpm ${ephpm.version}.`);
  return 0;
}

/** The newest Laravel that installs with laravel/octane and the driver here (asked when there is a terminal), or the pinned one, checked. */
async function chooseLaravel(flags: ScaffoldFlags, ask: Asker, php: string, session: Session): Promise<number> {
  const supported = supportedMajors();
  if (flags.laravel !== undefined && !supported.includes(flags.laravel)) {
    throw new EphpmError('EPHPM_LARAVEL_VERSION', `Laravel ${flags.laravel} is not one ephpm's Octane driver supports (laravel/framework ${shippedDriver().require['laravel/framework']}).`, `--laravel ${supported.join(' or --laravel ')}`);
  }
  const willAsk = flags.laravel === undefined && ask.canAsk;
  const driver = await driverSource();
  const title = flags.laravel !== undefined
    ? `Checking that Laravel ${flags.laravel} installs with laravel/octane on PHP ${php}`
    : willAsk ? `Checking which Laravel versions install with laravel/octane on PHP ${php}` : `Finding the newest Laravel that installs with laravel/octane on PHP ${php}`;
  const probes = await session.run(title, () => probeMajors(flags.laravel === undefined ? supported : [flags.laravel], driver, willAsk), (found) => {
    return willAsk ? `Checked Laravel ${found.map((probe) => probe.major).join(' and ')} with laravel/octane on PHP ${php}` : describeProbes(found);
  });
  const installable = probes.filter((probe) => probe.installs);
  if (installable.length === 0 && flags.laravel !== undefined) {
    throw new EphpmError('EPHPM_LARAVEL_VERSION', `Laravel ${flags.laravel} does not install together with laravel/octane on PHP ${php} here: ${probes[0]?.problem}.`, 'Leave out --laravel to get the newest Laravel that does.');
  }
  if (installable.length === 0) {
    const why = probes.map((probe) => `Laravel ${probe.major}: ${probe.problem}`).join('; ');
    throw new EphpmError('EPHPM_LARAVEL_VERSION', `No Laravel version ephpm supports installs together with laravel/octane on PHP ${php} here (${why}).`, 'A newer laravel/octane, or a newer PHP, makes a newer Laravel installable.');
  }
  if (!willAsk) return installable[0]!.major;
  return ask(undefined, () => askLaravelVersion(probes, php), installable[0]!.major);
}

function describeProbes(probes: MajorProbe[]): string {
  const chosen = probes.find((probe) => probe.installs);
  const notes = probes.filter((probe) => !probe.installs).map((probe) => `Laravel ${probe.major} does not: ${probe.problem}`);
  const found = chosen ? `Laravel ${chosen.major} installs (laravel/framework ${chosen.framework} with laravel/octane ${chosen.octane})` : 'no Laravel version installs';
  return [found, ...notes].join('\n');
}

type Asker = (<T>(given: T | undefined, prompt: () => Promise<T | symbol>, fallback: T) => Promise<T>) & { canAsk: boolean };

/** Each question: the flag's value when given; the default under --yes; else the prompt (a terminal is needed). */
function askerFor(flags: ScaffoldFlags): Asker {
  const canAsk = !flags.yes && process.stdin.isTTY === true && process.stdout.isTTY === true;
  const ask = async <T>(given: T | undefined, prompt: () => Promise<T | symbol>, fallback: T): Promise<T> => {
    if (given !== undefined) return given;
    if (flags.yes) return fallback;
    if (!canAsk) throw new EphpmError('EPHPM_NO_TERMINAL', 'There is no terminal to ask the questions in.', 'Pass --yes to take the defaults (and flags for what you want otherwise; see --help).');
    const answer = await prompt();
    if (p.isCancel(answer)) throw new Cancelled();
    return answer as T;
  };
  return Object.assign(ask, { canAsk });
}
