import { EphpmError } from '../runtime/errors.js';
import { satisfiesConstraint, shippedDriver } from '../runtime/laravel/composer-packages.js';
import type { Asker } from './asker.js';
import { lowestPhp } from './composer-problems.js';
import {
  defaultProbe,
  driverSource,
  installsAsItIs,
  probeMajors,
  skeletonPhpConstraint,
  supportedMajors,
  type MajorProbe,
} from './composer-probes.js';
import { skeletonNeedsLine, toolNames } from './left-out.js';
import type { ScaffoldFlags } from './options.js';
import { askLaravelVersion } from './prompts.js';
import type { Session } from './session.js';

/** --laravel naming a major the driver does not support: refused in one line, before anything is made. */
export async function refuseUnsupportedLaravel(major: number | undefined, php: string): Promise<void> {
  const supported = supportedMajors();
  if (major === undefined || supported.includes(major)) return;
  const phpConstraint = await skeletonPhpConstraint(major);
  const phpNote =
    phpConstraint !== null && !satisfiesConstraint(php, phpConstraint)
      ? `; Laravel ${major} needs ${lowestPhp([phpConstraint])} (this is PHP ${php})`
      : '';
  throw new EphpmError(
    'EPHPM_LARAVEL_VERSION',
    `Laravel ${major} is not supported by ephpm's Octane driver (laravel/framework ${shippedDriver().require['laravel/framework']})${phpNote}. Use ${supported.map((m) => `--laravel ${m}`).join(' or ')}.`,
  );
}

/**
 * The Laravel to create: the pinned one, checked; else the newest whose skeleton installs as it is with laravel/octane
 * and the driver here (the choice is offered when there is a terminal). Its probe says what must be left out.
 */
export async function chooseLaravel(
  flags: ScaffoldFlags,
  ask: Asker,
  php: string,
  session: Session,
): Promise<MajorProbe> {
  const pinned = flags.laravel;
  const willAsk = pinned === undefined && ask.canAsk;
  const driver = await driverSource();
  const title =
    pinned !== undefined
      ? `Checking that Laravel ${pinned} installs with laravel/octane on PHP ${php}`
      : willAsk
        ? `Checking which Laravel versions install with laravel/octane on PHP ${php}`
        : `Finding the newest Laravel that installs with laravel/octane on PHP ${php}`;
  const probes = await session.run(
    title,
    () => probeMajors(pinned === undefined ? supportedMajors() : [pinned], driver, willAsk),
    (found) => {
      return willAsk
        ? `Checked Laravel ${found.map((probe) => probe.major).join(' and ')} with laravel/octane on PHP ${php}`
        : describeProbes(found);
    },
  );
  const chosen = defaultProbe(probes);
  if (chosen === undefined && pinned !== undefined) {
    throw new EphpmError(
      'EPHPM_LARAVEL_VERSION',
      `Laravel ${pinned} does not install together with laravel/octane on PHP ${php} here: ${probes[0]?.problem}.`,
      'Leave out --laravel to get the newest Laravel that does.',
    );
  }
  if (chosen === undefined) {
    const why = probes.map((probe) => `Laravel ${probe.major}: ${probe.problem}`).join('; ');
    throw new EphpmError(
      'EPHPM_LARAVEL_VERSION',
      `No Laravel version ephpm supports installs together with laravel/octane on PHP ${php} here (${why}).`,
      'A newer laravel/octane, or a newer PHP, makes a newer Laravel installable.',
    );
  }
  if (!willAsk) return chosen;
  const major = await ask(undefined, () => askLaravelVersion(probes, chosen, php), chosen.major);
  return probes.find((probe) => probe.major === major)!;
}

/** What the probe found, for the default pick (and why a newer Laravel is not it) or for --laravel. */
function describeProbes(probes: MajorProbe[]): string {
  const chosen = defaultProbe(probes);
  const versions = (probe: MajorProbe) => `(laravel/framework ${probe.framework} with laravel/octane ${probe.octane})`;
  const found =
    chosen === undefined
      ? 'no Laravel version installs'
      : `Laravel ${chosen.major} installs ${installsAsItIs(chosen) ? 'as it is' : `without ${toolNames(chosen.leftOut)}`} ${versions(chosen)}`;
  const newer = probes.filter((probe) => chosen === undefined || probe.major > chosen.major);
  const notes = newer.map((probe) =>
    probe.installs ? skeletonNeedsLine(probe) : `Laravel ${probe.major} does not install: ${probe.problem}`,
  );
  return [found, ...notes].join('\n');
}
