import { describe, expect, it } from 'vitest';
import { DEFAULT_DEV_WATCH } from '../../src/runtime/config/config.js';
import { WatchScope } from '../../src/runtime/dev/watch-scope.js';

const root = '/srv/app';
const at = (path: string) => `${root}/${path}`;

function laravelScope(ignore: string[] = []): WatchScope {
  return new WatchScope({
    root,
    watch: DEFAULT_DEV_WATCH,
    ignore,
    files: [at('worker.php'), '/opt/ephpm/worker.php'],
    excluded: [at('.state/server.json'), at('.state/control.sock')],
  });
}

describe('which changes restart the workers under ephpm dev', () => {
  it('with the defaults, edits to a Laravel app restart as they would under Octane --watch', () => {
    const scope = laravelScope();
    const restarts = [
      'app/Models/User.php',
      'bootstrap/app.php',
      'config/app.php',
      'database/seeders/DatabaseSeeder.php',
      'public/index.php',
      'resources/views/welcome.blade.php',
      'resources/views/vendor/mail/html/layout.blade.php',
      'routes/web.php',
      'composer.lock',
      '.env',
      'worker.php',
    ];
    const ignored = [
      'public/css/app.css',
      'resources/js/app.js',
      'composer.json',
      'README.md',
      'tests/Feature/ExampleTest.php',
      'vendor/laravel/framework/src/Foundation/Application.php',
      'storage/framework/views/0a1b.php',
      'storage/logs/laravel.log',
      'node_modules/vite/index.php',
      'app/.git/HEAD',
      'app/Models/.User.php.swp',
      'app/Models/User.php~',
      'routes/.#web.php',
      'routes/4913',
    ];
    expect(restarts.filter((path) => !scope.isWatched(at(path)))).toEqual([]);
    expect(ignored.filter((path) => scope.isWatched(at(path)))).toEqual([]);
  });

  it('always watches the worker script, even outside the app', () => {
    const scope = laravelScope();
    expect(scope.isWatched('/opt/ephpm/worker.php')).toBe(true);
    expect(scope.isWatched('/opt/ephpm/other.php')).toBe(false);
    expect(scope.roots()).toEqual([root, '/opt/ephpm/worker.php']);
    expect(scope.describe()).toEqual([...DEFAULT_DEV_WATCH, 'worker.php', '/opt/ephpm/worker.php']);
  });

  it('never reads directories that hold nothing watched, and keeps the way to what is watched open', () => {
    const scope = new WatchScope({
      root,
      watch: ['resources/views', 'src/**/*.php'],
      ignore: [],
      files: [],
      excluded: [],
    });
    expect(scope.isPruned(at('vendor'))).toBe(true);
    expect(scope.isPruned(at('tests'))).toBe(true);
    expect(scope.isPruned(at('resources'))).toBe(false);
    expect(scope.isPruned(at('resources/js'))).toBe(true);
    expect(scope.isPruned(at('resources/views/layouts'))).toBe(false);
    expect(scope.isPruned(at('src/Http'))).toBe(false);
    expect(scope.isWatched(at('src/Http/Kernel.php'))).toBe(true);
    expect(scope.isWatched(at('src/Http/routes.json'))).toBe(false);
  });

  it('watching the whole app still leaves out dependencies, storage and the server state', () => {
    const scope = new WatchScope({
      root,
      watch: ['.'],
      ignore: [],
      files: [],
      excluded: [at('.state/server.json'), at('.state/control.sock')],
    });
    expect(scope.isWatched(at('lib/Thing.php'))).toBe(true);
    expect(scope.isWatched(at('.state/notes.txt'))).toBe(true);
    const ignored = [
      'vendor/autoload.php',
      'storage/logs/x.log',
      '.ephpm/server.json',
      '.state/server.json',
      '.state/server.json.4242.tmp',
      '.state/control.sock',
      '.git/index',
    ];
    expect(ignored.filter((path) => scope.isWatched(at(path)))).toEqual([]);
    expect(scope.isPruned(at('vendor'))).toBe(true);
    expect(scope.isPruned(at('lib'))).toBe(false);
  });

  it('leaves out what [dev] ignore lists, files and whole directories', () => {
    const scope = laravelScope(['app/Generated', 'resources/**/*.cache.php']);
    expect(scope.isWatched(at('app/Generated/Proxy.php'))).toBe(false);
    expect(scope.isPruned(at('app/Generated'))).toBe(true);
    expect(scope.isWatched(at('resources/views/page.cache.php'))).toBe(false);
    expect(scope.isWatched(at('app/Models/User.php'))).toBe(true);
    expect(scope.isWatched(at('resources/views/page.blade.php'))).toBe(true);
  });
});
