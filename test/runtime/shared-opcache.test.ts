import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concurrentGets } from '../helpers/concurrent-requests.js';
import { fixture, repoRoot, runCli, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { serverStatus } from '../helpers/status.js';
import { processGone, waitFor } from '../helpers/wait-for.js';

// Workers forked by the PHP zygote share its OPcache, as php-fpm's children do (docs/ARCHITECTURE.md, "Memory per
// worker"): what one worker compiled, the others find compiled; a reload starts on a fresh one.

const worker = fixture('workers', 'opcache.php');

interface Answer {
  pid: number;
  returned?: string;
  cached?: boolean;
}

/** A GET on a connection of its own: the supervisor gives each new connection to the worker with the fewest. */
function getOnNewConnection(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(JSON.parse(body) as Answer));
    }).on('error', reject);
  });
}

/** Asks until a worker other than `pid` answers. */
async function fromAnotherWorker(url: string, pid: number): Promise<Answer> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const answer = await getOnNewConnection(url);
    if (answer.pid !== pid) return answer;
  }
  throw new Error(`only worker ${pid} answered ${url}`);
}

/** An app dir with the fixture worker, OPcache never looking at a file again once compiled, and a PHP file to include. */
function makeApp(): { app: string; script: string } {
  const app = tempDir('ephpm-opcache-');
  mkdirSync(join(app, 'public'));
  writeFileSync(
    join(app, 'ephpm.toml'),
    // file_update_protection: OPcache caches no file changed in the last 2 s by default.
    `[server]\nworker = "${worker}"\nworkers = 2\n\n[php]\n"opcache.validate_timestamps" = "0"\n` +
      '"opcache.file_update_protection" = "0"\n',
  );
  const script = join(app, 'version.php');
  writeFileSync(script, "<?php return 'v1';\n");
  return { app, script };
}

function childPids(pid: number): number[] {
  const found = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return found ? found.split(/\s+/).map(Number) : [];
}

const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');

describe('workers forked by the PHP zygote', () => {
  let server: RunningServer;
  let script: string;

  beforeAll(async () => {
    const made = makeApp();
    script = made.script;
    server = await startServer([], { cwd: made.app });
  });
  afterAll(() => server.stop());

  it('find compiled what another worker compiled', async () => {
    const first = await getOnNewConnection(`${server.url}/include?file=${script}`);
    expect(first.returned).toBe('v1');
    const other = await fromAnotherWorker(`${server.url}/cached?file=${script}`, first.pid);
    expect(other.cached).toBe(true);
  });

  it('are listed by their own pids, and one SIGKILLed is replaced by another sharing the same OPcache', async () => {
    await getOnNewConnection(`${server.url}/include?file=${script}`);
    const pids = (await serverStatus(server)).workers.map((w) => w.pid).sort();
    const answering = new Set<number>();
    for (let i = 0; i < 10; i++) answering.add((await getOnNewConnection(`${server.url}/pid`)).pid);
    expect([...answering].sort()).toEqual(pids);

    process.kill(pids[0]!, 'SIGKILL');
    const replaced = await waitFor(async () => {
      const now = (await serverStatus(server)).workers.map((w) => w.pid);
      return now.length === 2 && !now.includes(pids[0]!) ? now : null;
    }, 'the killed worker to be replaced');
    const replacement = replaced.find((pid) => pid !== pids[1])!;
    const answer = await waitFor(async () => {
      const got = await getOnNewConnection(`${server.url}/cached?file=${script}`);
      return got.pid === replacement ? got : null;
    }, 'the replacement to answer');
    expect(answer.cached).toBe(true);
  }, 60_000);

  it('go with their proxy when it is SIGKILLed, and are replaced', async () => {
    const supervisorPid = server.child.pid!;
    const proxies = childPids(supervisorPid).filter((pid) => commandLine(pid).includes('ephpm-worker-proxy'));
    expect(proxies.length).toBeGreaterThanOrEqual(2);
    const before = (await serverStatus(server)).workers.map((w) => w.pid);
    process.kill(proxies[0]!, 'SIGKILL');
    await waitFor(() => before.some(processGone), 'a worker to go with its proxy', 10_000);
    await waitFor(async () => {
      const now = (await serverStatus(server)).workers.map((w) => w.pid);
      return now.length === 2 && now.some((pid) => !before.includes(pid));
    }, 'a replacement');
    const statuses = await concurrentGets(server.url, '/pid', 20, () => undefined);
    expect(statuses).toEqual(Array(20).fill(200));
  }, 60_000);
});

describe('a PHP zygote that dies', () => {
  it('takes its workers along, and their replacements are forked by a new one: one OPcache again', async () => {
    const { app, script } = makeApp();
    const server = await startServer([], { cwd: app });
    try {
      const zygotes = () =>
        childPids(server.child.pid!).filter((pid) => commandLine(pid).includes('forked-worker-main'));
      const [zygote] = zygotes();
      const before = (await serverStatus(server)).workers.map((w) => w.pid);
      process.kill(zygote!, 'SIGKILL');
      await waitFor(
        async () => {
          const now = (await serverStatus(server)).workers;
          return now.length === 2 && now.every((w) => !before.includes(w.pid) && w.state === 'serving') ? now : null;
        },
        'both workers to be replaced',
        20_000,
      );
      expect(server.output()).toMatch(/the PHP zygote exited \(SIGKILL\), and its workers with it; starting a new one/);
      expect(zygotes()).toHaveLength(1);
      expect(zygotes()).not.toContain(zygote);
      const first = await getOnNewConnection(`${server.url}/include?file=${script}`);
      expect(first.returned).toBe('v1');
      expect((await fromAnotherWorker(`${server.url}/cached?file=${script}`, first.pid)).cached).toBe(true);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('a reload', () => {
  it('starts the new workers on a fresh OPcache: code changed on disk is served', async () => {
    const { app, script } = makeApp();
    const server = await startServer([], { cwd: app });
    try {
      for (let i = 0; i < 4; i++)
        expect((await getOnNewConnection(`${server.url}/include?file=${script}`)).returned).toBe('v1');
      writeFileSync(script, "<?php return 'v2';\n");
      const reload = await runCli(['reload', '--state-file', server.stateFile]);
      expect(reload.code, reload.output).toBe(0);
      for (let i = 0; i < 4; i++)
        expect((await getOnNewConnection(`${server.url}/include?file=${script}`)).returned).toBe('v2');
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('the supervisor SIGKILLed', () => {
  it('leaves no zygote and no worker proxy behind', async () => {
    const { app } = makeApp();
    const server = await startServer([], { cwd: app });
    const helpers = childPids(server.child.pid!);
    expect(helpers.map(commandLine).filter((line) => /forked-worker-main|ephpm-worker-proxy/.test(line)).length).toBe(
      3,
    );
    server.child.kill('SIGKILL');
    await waitFor(() => helpers.every(processGone), 'the zygote and the proxies to exit', 30_000);
  }, 60_000);
});

describe('an addon that cannot be preloaded (a space in its path)', () => {
  it('leaves each worker to start its own PHP and OPcache, and says so', async () => {
    const build = join(tempDir('ephpm-addon-'), 'with space');
    cpSync(join(repoRoot, 'native', 'build'), build, { recursive: true, verbatimSymlinks: true });
    expect(readdirSync(build)).toContain('ephpm.node');
    const { app, script } = makeApp();
    const server = await startServer([], { cwd: app, env: { EPHPM_ADDON: join(build, 'ephpm.node') } });
    try {
      expect(server.output()).toMatch(/no PHP zygote: the addon's path has a space or colon/);
      const first = await getOnNewConnection(`${server.url}/include?file=${script}`);
      expect(first.returned).toBe('v1');
      expect((await fromAnotherWorker(`${server.url}/cached?file=${script}`, first.pid)).cached).toBe(false);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
