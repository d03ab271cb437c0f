import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './ephpm-server.js';

/** composer-package/vendor/ (scripts/setup.sh installs it); installed here by the same script when missing. */
export function ensureComposerPackageDeps(): void {
  if (existsSync(join(repoRoot, 'composer-package', 'vendor', 'autoload.php'))) return;
  execFileSync('bash', [join(repoRoot, 'scripts', 'composer-package-deps.sh')], { stdio: 'inherit' });
}
