import { basename } from 'node:path';
import * as p from '@clack/prompts';
import { installedPackages } from '../runtime/laravel/composer-packages.js';
import { addEphpm } from './add-ephpm.js';
import { ensureOctaneResolvable } from './composer-probes.js';
import type { Target } from './detect.js';
import { ephpmPackage } from './ephpm-package.js';
import { whatsNext } from './next-steps.js';
import type { Session } from './session.js';

/** Adds ephpm to an existing Laravel app (create-ephpm-laravel <app>, ephpm init): exit code 0, or throws. */
export async function setUpExistingApp(
  target: Extract<Target, { kind: 'laravel' }>,
  options: { example: boolean; cwd: string; session: Session },
): Promise<number> {
  const { dir } = target;
  if (!target.octane) await ensureOctaneResolvable();
  options.session.changingExisting();
  const result = await addEphpm({ dir, ephpm: ephpmPackage(), example: options.example, run: options.session.run });
  options.session.finished();
  if (result.changes.length === 0 && result.warnings.length === 0) {
    const packages = installedPackages(dir);
    p.outro(
      `Nothing to do: ${basename(dir)} already runs on ephpm (laravel/octane ${packages?.get('laravel/octane')}, ephpm/octane-driver ${packages?.get('ephpm/octane-driver')}, OCTANE_SERVER=ephpm, ephpm.toml). Nothing was changed.`,
    );
    return 0;
  }
  if (result.changes.length > 0) p.log.info(`Changed:\n${result.changes.map((change) => `  ${change}`).join('\n')}`);
  p.note(whatsNext({ dir, cwd: options.cwd, example: options.example, warnings: result.warnings }), "What's next");
  p.outro(`ephpm added to ${basename(dir)} (Laravel ${target.framework}).`);
  return 0;
}
