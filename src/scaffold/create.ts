import { basename, resolve } from 'node:path';
import * as p from '@clack/prompts';
import kleur from 'kleur';
import { addEphpm } from './add-ephpm.js';
import type { Database } from './app-files.js';
import { askerFor } from './asker.js';
import { chooseLaravel, refuseUnsupportedLaravel } from './choose-laravel.js';
import { ensureOctaneResolvable } from './composer-probes.js';
import { inspectTarget } from './detect.js';
import { ephpmPackage } from './ephpm-package.js';
import { setUpExistingApp } from './existing-app.js';
import { toolNames } from './left-out.js';
import { createLaravelApp } from './new-app.js';
import { whatsNext } from './next-steps.js';
import { parseFlags, USAGE, type ScaffoldFlags } from './options.js';
import { askDatabase, askDirectory, askExample } from './prompts.js';
import { requireTools } from './requirements.js';
import { Session } from './session.js';

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
      p.log.warn(
        `${basename(dir)} is an existing Laravel app: --laravel and --database are for new apps, so they are ignored.`,
      );
    }
    return setUpExistingApp(target, { example: await ask(flags.example, askExample, false), cwd, session });
  }

  await refuseUnsupportedLaravel(flags.laravel, php);
  await ensureOctaneResolvable();
  const laravel = await chooseLaravel(flags, ask, php, session);
  const database = await ask<Database>(flags.database, askDatabase, 'sqlite');
  const example = await ask(flags.example, askExample, false);

  session.creating(dir, target.existed);
  await createLaravelApp(dir, laravel, database, session.run);
  const ephpm = ephpmPackage();
  const result = await addEphpm({ dir, ephpm, example, run: session.run });
  session.finished();
  for (const warning of result.warnings) p.log.warn(warning);
  p.note(
    whatsNext({ dir, cwd, database, example, warnings: result.warnings, leftOut: laravel.leftOut }),
    "What's next",
  );
  const without = laravel.leftOut.length > 0 ? ` (without ${toolNames(laravel.leftOut)})` : '';
  p.outro(`${basename(dir)} is ready: Laravel ${laravel.major} on ephpm ${ephpm.version}${without}.`);
  return 0;
}
