import { resolve } from 'node:path';
import * as p from '@clack/prompts';
import kleur from 'kleur';
import { EphpmError } from '../runtime/errors.js';
import { inspectTarget } from './detect.js';
import { setUpExistingApp } from './existing-app.js';
import { requireTools } from './requirements.js';
import { Session } from './session.js';

/** `ephpm init`: ephpm added to the Laravel app in `root`; the exit code. */
export async function initApp(root: string, options: { example: boolean }, cwd = process.cwd()): Promise<number> {
  p.intro(`${kleur.bold('ephpm init')}  ephpm for the Laravel app in ${root === '.' ? 'this directory' : root}`);
  const session = new Session();
  try {
    const target = inspectTarget(resolve(cwd, root));
    if (target.kind === 'new') {
      throw new EphpmError(
        'EPHPM_NOT_SUPPORTED_HERE',
        `${target.dir} ${target.existed ? 'is empty' : 'does not exist'}: there is no Laravel app to add ephpm to.`,
        `Create one that runs on ephpm: npx create-ephpm-laravel ${root}`,
      );
    }
    requireTools();
    return await setUpExistingApp(target, { example: options.example, cwd, session });
  } catch (error) {
    return session.fail(error);
  }
}
