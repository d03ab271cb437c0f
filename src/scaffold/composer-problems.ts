// Reading why `composer update` could not resolve: its "Problem N" blocks, e.g.
//   Problem 1
//     - Root composer.json requires laravel/pint ^1.24 -> satisfiable by laravel/pint[v1.30.5, ..., v1.32.3].
//     - laravel/pint[v1.30.5, ..., v1.32.3] require php ^8.3.0 -> your php version (8.2.36) does not satisfy that requirement.

/** A dev tool of Laravel's skeleton (a require-dev package) left out because no version of it runs on this PHP. */
export interface LeftOutTool {
  name: string;
  /** The skeleton's constraint, e.g. "^1.24". */
  constraint: string;
  /** The PHP it needs, e.g. "PHP 8.3+". */
  needs: string;
}

/** Each "Problem N" block of Composer's output, as its "- " lines (trimmed, without the dash). */
export function composerProblems(output: string): string[][] {
  return output
    .split(/^\s*Problem \d+\s*$/m)
    .slice(1)
    .map((block) =>
      block
        .split('\n')
        .filter((line) => /^ {3,}- /.test(line))
        .map((line) => line.trim().slice(2)),
    )
    .filter((lines) => lines.length > 0);
}

/**
 * The tool a problem is about when the problem is one root require-dev package and nothing but the PHP version stands
 * in its way (every line is either "satisfiable by" or "your php version"); null for any other problem.
 */
export function devToolNeedingNewerPhp(problem: string[], requireDev: Record<string, string>): LeftOutTool | null {
  // Composer puts the root requirement's line first or last.
  const roots = problem.flatMap((line) => /^Root composer\.json requires (\S+)/.exec(line)?.[1] ?? []);
  const name = roots.length === 1 ? roots[0] : undefined;
  const constraint = name === undefined ? undefined : requireDev[name];
  if (name === undefined || constraint === undefined) return null;
  if (problem.some((line) => !/ -> (satisfiable by|your php version)/.test(line))) return null;
  const phpConstraints = problem.flatMap((line) => /\brequires? php (\S+) -> your php version/.exec(line)?.[1] ?? []);
  if (phpConstraints.length === 0) return null;
  return { name, constraint, needs: lowestPhp(phpConstraints) };
}

/** Why Composer could not resolve, in its words: a problem's line that gives a reason (not "satisfiable by"), or its output's last line. */
export function composerReason(problem: string[] | undefined, output: string): string {
  const line =
    problem?.find((text) => !/ -> satisfiable by/.test(text)) ??
    problem?.at(-1) ??
    output.trim().split('\n').at(-1) ??
    'Composer could not resolve';
  return line.trim().replace(/\.$/, '');
}

/** "^8.3.0" → "PHP 8.3+"; of several constraints, the lowest PHP any of them accepts. */
export function lowestPhp(constraints: string[]): string {
  const floors = constraints
    .flatMap((constraint) =>
      [...constraint.matchAll(/(\d+)\.(\d+)/g)].map((match) => [Number(match[1]), Number(match[2])] as const),
    )
    .sort(([majorA, minorA], [majorB, minorB]) => majorA - majorB || minorA - minorB);
  const lowest = floors[0];
  return lowest ? `PHP ${lowest[0]}.${lowest[1]}+` : `PHP ${constraints.join(' or ')}`;
}
