import { Command } from '@oclif/core';
import kleur from 'kleur';
import { isEphpmError } from '../runtime/errors.js';

/** What every command prints under --json when it fails (on stdout, exit code non-zero). */
export interface JsonError {
  error: { code: string; message: string; hint?: string };
}

const BUG_HINT = 'This is a bug in ephpm: please report it with the output above.';

/**
 * Shared error handling: an EphpmError is the user's to fix and prints as a
 * message plus a "try this" line; anything else is a bug and keeps its stack.
 * Under --json every failure is one JSON object on stdout instead.
 */
export abstract class BaseCommand extends Command {
  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    const usage = (error as { oclif?: { exit?: number } }).oclif?.exit === 2;
    if (this.jsonEnabled()) {
      const known = isEphpmError(error);
      if (!known && !usage) process.stderr.write(`${error.stack ?? error.message}\n`);
      const code = known ? error.code : usage ? 'EPHPM_USAGE' : 'EPHPM_INTERNAL';
      const hint = known ? error.hint : usage ? `See: ${this.config.bin} ${this.id} --help` : BUG_HINT;
      const reply: JsonError = { error: { code, message: error.message, ...(hint ? { hint } : {}) } };
      process.stdout.write(JSON.stringify(reply, null, 2) + '\n');
      return this.exit(usage ? 2 : 1);
    }
    if (isEphpmError(error)) {
      process.stderr.write(`${kleur.red('error')} ${error.message}\n`);
      if (error.hint) process.stderr.write(`${kleur.dim('  try:')} ${error.hint}\n`);
      process.stderr.write(kleur.dim(`  (${error.code})\n`));
      return this.exit(1);
    }
    return super.catch(error);
  }
}
