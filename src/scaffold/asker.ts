import * as p from '@clack/prompts';
import { EphpmError } from '../runtime/errors.js';
import type { ScaffoldFlags } from './options.js';
import { Cancelled } from './session.js';

/** Asks one question unless its flag answered it. */
export type Asker = (<T>(given: T | undefined, prompt: () => Promise<T | symbol>, fallback: T) => Promise<T>) & {
  canAsk: boolean;
};

/** Each question: the flag's value when given; the default under --yes; else the prompt (a terminal is needed). */
export function askerFor(flags: ScaffoldFlags): Asker {
  const canAsk = !flags.yes && process.stdin.isTTY === true && process.stdout.isTTY === true;
  const ask = async <T>(given: T | undefined, prompt: () => Promise<T | symbol>, fallback: T): Promise<T> => {
    if (given !== undefined) return given;
    if (flags.yes) return fallback;
    if (!canAsk)
      throw new EphpmError(
        'EPHPM_NO_TERMINAL',
        'There is no terminal to ask the questions in.',
        'Pass --yes to take the defaults (and flags for what you want otherwise; see --help).',
      );
    const answer = await prompt();
    if (p.isCancel(answer)) throw new Cancelled();
    return answer as T;
  };
  return Object.assign(ask, { canAsk });
}
