import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { observeProcess, tempDir, type ObservedProcess } from './ephpm-server.js';
import { freePort } from './octane-server.js';

/** A real redis-server (Debian's) on loopback, on a free port, with its own directory and an append-only file. */
export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  /** Stops it (SIGTERM: it writes its data first) and waits until it is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory: it reloads its data. */
  start(): Promise<void>;
  /** Stops it, deletes its data files and starts it again: a Redis restarted without persistence. */
  restartEmpty(): Promise<void>;
  /** redis-cli against it; its stdout. */
  cli(...args: string[]): string;
}

/** `port`: a given one (default: a free one); `options`: more redis-server options (e.g. --requirepass). */
export async function startRedis(port?: number, options: string[] = []): Promise<RedisServer> {
  port ??= await freePort();
  const dir = tempDir('ephpm-redis-');
  let process: ObservedProcess | null = null;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async start() {
      process = observeProcess(
        spawn(
          'redis-server',
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--dir',
            dir,
            '--appendonly',
            'yes',
            '--save',
            '',
            '--logfile',
            join(dir, 'redis.log'),
            ...options,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        ),
      );
      const ready = () => /PONG|NOAUTH/.test(server.cli('PING'));
      for (let attempt = 0; attempt < 200 && !ready(); attempt++)
        await new Promise((resolve) => setTimeout(resolve, 25));
      if (!ready()) throw new Error(`redis-server did not answer on port ${port}:\n${process.output()}`);
    },
    async stop() {
      await process?.stop('SIGTERM');
      process = null;
    },
    async restartEmpty() {
      await server.stop();
      for (const file of readdirSync(dir))
        if (file !== 'redis.log') rmSync(join(dir, file), { recursive: true, force: true });
      await server.start();
    },
    cli(...args: string[]) {
      const { stdout, stderr } = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
      return `${stdout}${stderr}`.trim();
    },
  };
  await server.start();
  return server;
}
