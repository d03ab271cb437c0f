import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { appCopy, laravelApp, onLaravel } from '../helpers/laravel-app.js';
import { artisan, startOctane } from '../helpers/octane-server.js';

// `php artisan storage:link` makes public/storage a symlink to storage/app/public, outside public/. nginx follows it;
// ephpm serves the links the app declares in filesystems.links and refuses every other symlink that leaves public/.

const skip = octaneUnavailableReason();

describe.skipIf(skip)(`${onLaravel('public/ symlinks on octane:start')}${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  it('serves storage/app/public at /storage after php artisan storage:link, and refuses a symlink the app does not declare or that points elsewhere', async () => {
    const app = appCopy(laravelApp(), { withRuntime: true });
    writeFileSync(join(app, 'storage', 'app', 'public', 'avatar.txt'), 'an avatar stored on the public disk\n');
    const link = await artisan(app, ['storage:link']);
    expect(link.code, link.output).toBe(0);

    const undeclared = join(app, 'storage', 'app', 'secrets');
    mkdirSync(undeclared);
    writeFileSync(join(undeclared, 'key.txt'), 'not for the public\n');
    symlinkSync(undeclared, join(app, 'public', 'secrets'));

    const server = await startOctane(app, ['--workers=1', '--task-workers=0']);
    try {
      const served = await fetch(`${server.url}/storage/avatar.txt`);
      expect(served.status).toBe(200);
      expect(await served.text()).toBe('an avatar stored on the public disk\n');

      const refused = await fetch(`${server.url}/secrets/key.txt`);
      expect(await refused.text()).not.toContain('not for the public');
      expect(refused.status).toBe(404);

      // The declared link, pointed somewhere else, serves nothing from there: the request goes to Laravel, whose own
      // /storage/{path} route (the local disk's `serve`) refuses it.
      rmSync(join(app, 'public', 'storage'));
      symlinkSync(undeclared, join(app, 'public', 'storage'));
      const redirected = await fetch(`${server.url}/storage/key.txt`);
      expect(await redirected.text()).not.toContain('not for the public');
      expect(redirected.status).not.toBe(200);
    } finally {
      expect(await server.stop('SIGINT')).toBe(0);
    }
  });
});
