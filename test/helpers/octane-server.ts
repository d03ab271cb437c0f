import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { observeProcess, type ObservedProcess } from './ephpm-server.js';
import { laravelApp } from './laravel-app.js';

export interface OctaneServer extends ObservedProcess {
  url: string;
  port: number;
  app: string;
}

/** A port nothing listens on right now (octane:start needs a number; the runtime's --port 0 is not Octane's). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `php artisan ...` in the app (output collected, not waited for); `ownProcessGroup` makes it the leader of a
 * process group, as a shell makes a foreground command, so that a test can Ctrl-C the whole group.
 */
export function spawnArtisan(
  app: string,
  args: string[],
  env: Record<string, string> = {},
  ownProcessGroup = false,
): ObservedProcess {
  return observeProcess(
    spawn('php', ['artisan', ...args], {
      cwd: app,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: ownProcessGroup,
    }),
  );
}

/** Runs `php artisan ...` in the app to the end. */
export async function artisan(
  app: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const run = spawnArtisan(app, args, env);
  const code = await new Promise<number | null>((resolve) => run.child.once('exit', (exitCode) => resolve(exitCode)));
  return { code, output: run.output() };
}

/** `php artisan octane:start --server=ephpm --port=<free> ...args`, resolved once Octane's banner shows the address. */
export async function startOctane(
  app: string,
  args: string[] = [],
  env: Record<string, string> = {},
  ownProcessGroup = false,
): Promise<OctaneServer> {
  const port = await freePort();
  const run = spawnArtisan(app, ['octane:start', '--server=ephpm', `--port=${port}`, ...args], env, ownProcessGroup);
  try {
    const match = await run.waitFor(/Local: (http:\/\/[^\s]+:(\d+))/, 0, 60_000);
    return { ...run, url: match[1]!, port: Number(match[2]), app };
  } catch (error) {
    await run.stop('SIGKILL');
    throw error;
  }
}

export interface SuiteServer {
  readonly app: string;
  readonly server: OctaneServer;
  readonly url: string;
}

/**
 * One `php artisan octane:start --server=ephpm …args` for the tests of a describe block, in the suite's Laravel app:
 * started before them (after `prepare(app)`), stopped with Ctrl-C after them, which must exit 0.
 */
export function octaneForTests(
  args: string[],
  env: Record<string, string> = {},
  prepare: (app: string) => void = () => {},
): SuiteServer {
  let app = '';
  let server: OctaneServer | undefined;
  beforeAll(async () => {
    app = laravelApp();
    prepare(app);
    server = await startOctane(app, args, env);
  }, 600_000);
  afterAll(async () => {
    expect(await server?.stop('SIGINT')).toBe(0);
  });
  return {
    get app() {
      return app;
    },
    get server() {
      return server!;
    },
    get url() {
      return server!.url;
    },
  };
}
