import { describe, expect, it } from 'vitest';
import {
  composerProblems,
  composerReason,
  devToolNeedingNewerPhp,
  lowestPhp,
} from '../../src/scaffold/composer-problems.js';

// How the scaffolder reads `composer update --dry-run`'s problems: which it may solve by leaving a dev tool out of
// Laravel's skeleton (only the PHP version stands in a require-dev package's way), and which mean the Laravel major
// does not install. Composer 2.5's own output (PHP 8.2.36; require laravel/framework ^13.0, require-dev laravel/pint
// ^1.24 and laravel/pail ^9.0).

const OUTPUT = `Loading composer repositories with package information
Updating dependencies
Your requirements could not be resolved to an installable set of packages.

  Problem 1
    - Root composer.json requires laravel/pail ^9.0, found laravel/pail[v1.2.7] but it does not match the constraint.
  Problem 2
    - Root composer.json requires laravel/pint ^1.24 -> satisfiable by laravel/pint[v1.30.5, ..., v1.32.3].
    - laravel/pint[v1.30.5, ..., v1.32.3] require php ^8.3.0 -> your php version (8.2.36) does not satisfy that requirement.
  Problem 3
    - laravel/framework[v13.26.0, ..., v13.42.0] require php ^8.3 -> your php version (8.2.36) does not satisfy that requirement.
    - Root composer.json requires laravel/framework ^13.0 -> satisfiable by laravel/framework[v13.26.0, ..., v13.42.0].
`;
const REQUIRE_DEV = { 'laravel/pint': '^1.24', 'laravel/pail': '^9.0' };

describe("Composer's problems, as the scaffolder reads them", () => {
  const [pail, pint, framework] = composerProblems(OUTPUT);

  it('splits the output into its problems, one list of lines each', () => {
    expect(composerProblems(OUTPUT).map((problem) => problem.length)).toEqual([1, 2, 2]);
    expect(pint?.[1]).toBe(
      'laravel/pint[v1.30.5, ..., v1.32.3] require php ^8.3.0 -> your php version (8.2.36) does not satisfy that requirement.',
    );
  });

  it('leaves out a require-dev package that only the PHP version keeps out, naming the PHP it needs', () => {
    expect(devToolNeedingNewerPhp(pint!, REQUIRE_DEV)).toEqual({
      name: 'laravel/pint',
      constraint: '^1.24',
      needs: 'PHP 8.3+',
    });
    // Composer may put the root requirement's line last: the same problem, were laravel/framework a dev tool.
    expect(devToolNeedingNewerPhp(framework!, { 'laravel/framework': '^13.0' })).toEqual({
      name: 'laravel/framework',
      constraint: '^13.0',
      needs: 'PHP 8.3+',
    });
  });

  it('leaves out nothing for another reason, or for a require package (the Laravel major does not install)', () => {
    expect(devToolNeedingNewerPhp(pail!, REQUIRE_DEV)).toBeNull();
    expect(devToolNeedingNewerPhp(framework!, REQUIRE_DEV)).toBeNull();
    expect(composerReason(framework, OUTPUT)).toBe(
      'laravel/framework[v13.26.0, ..., v13.42.0] require php ^8.3 -> your php version (8.2.36) does not satisfy that requirement',
    );
    expect(composerReason(pail, OUTPUT)).toBe(
      'Root composer.json requires laravel/pail ^9.0, found laravel/pail[v1.2.7] but it does not match the constraint',
    );
  });

  it('names the lowest PHP a set of constraints accepts', () => {
    expect(lowestPhp(['^8.4', '^8.3.0'])).toBe('PHP 8.3+');
    expect(lowestPhp(['>=8.2 <8.5'])).toBe('PHP 8.2+');
  });
});
