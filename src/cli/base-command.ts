import { Command } from '@oclif/core';
import kleur from 'kleur';
import { isEphpmError } from '../runtime/errors.js';

/**
 * Shared error handling: an EphpmError is the user's to fix and prints as a
 * message plus a "try this" line; anything else is a bug and keeps its stack.
 */
export abstract class BaseCommand extends Command {
  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (isEphpmError(error)) {
      process.stderr.write(`${kleur.red('error')} ${error.message}\n`);
      if (error.hint) process.stderr.write(`${kleur.dim('  try:')} ${error.hint}\n`);
      process.stderr.write(kleur.dim(`  (${error.code})\n`));
      return this.exit(1);
    }
    // A usage error (bad or conflicting flags) under --json: the message, not oclif's whole parse state.
    if ((error as { oclif?: { exit?: number } }).oclif?.exit === 2 && this.jsonEnabled()) {
      process.stderr.write(`${kleur.red('error')} ${error.message}\n`);
      return this.exit(2);
    }
    return super.catch(error);
  }
}
