import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorker, fixture, startServer, type RunningServer } from '../helpers/ephpm-server.js';
import { serverStatus } from '../helpers/status.js';

/** A process's private memory (clean and dirty pages no other process maps) in MB, from /proc/<pid>/smaps_rollup. */
function privateMb(pid: number): number {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = [...rollup.matchAll(/^Private_(?:Clean|Dirty):\s+(\d+) kB/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  return kb / 1024;
}

/** `total` requests to `path` (POSTs of `body` if given), `concurrency` at a time on keep-alive connections; their status codes. */
async function load(url: string, path: string, total: number, concurrency: number, body?: string): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses: number[] = [];
  let sent = 0;
  const loop = async () => {
    while (sent < total) {
      sent++;
      statuses.push(
        await new Promise<number>((resolve, reject) => {
          request(`${url}${path}`, { agent, method: body === undefined ? 'GET' : 'POST' }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
            .on('error', reject)
            .end(body);
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  agent.destroy();
  return statuses;
}

/** Runs `work` (which must answer only 200s), then expects `pid` to give back more than 5 MB of private memory within 5 s. */
async function expectMemoryGivenBack(pid: number, work: () => Promise<number[]>): Promise<void> {
  expect((await work()).filter((status) => status !== 200)).toEqual([]);
  const afterLoad = privateMb(pid);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const idle = privateMb(pid);
  expect(
    afterLoad - idle,
    `private memory ${afterLoad.toFixed(1)} MB after load, ${idle.toFixed(1)} MB idle`,
  ).toBeGreaterThan(5);
}

describe('a request worker left idle after load', () => {
  let server: RunningServer;
  let pid: number;

  beforeAll(async () => {
    server = await startServer(['--worker', appWorker, '--workers', '1']);
    pid = (await serverStatus(server)).workers[0]!.pid;
  });
  afterAll(() => server.stop());

  it('gives memory back within seconds, and serves on', async () => {
    await expectMemoryGivenBack(pid, () => load(server.url, '/request?q=' + 'x'.repeat(2000), 6000, 20));
    expect(await load(server.url, '/request', 50, 5)).toEqual(Array(50).fill(200));
  }, 60_000);
});

describe('a task worker left idle after running tasks', () => {
  let server: RunningServer;
  let pid: number;

  beforeAll(async () => {
    server = await startServer(['--worker', fixture('workers', 'tasks.php'), '--workers', '1', '--task-workers', '1']);
    pid = (await serverStatus(server)).taskWorkers[0]!.pid;
  });
  afterAll(() => server.stop());

  it('gives memory back within seconds, and runs tasks on', async () => {
    const tasks = JSON.stringify({ tasks: Array.from({ length: 8 }, () => ({ op: 'echo', value: 'x'.repeat(4000) })) });
    await expectMemoryGivenBack(pid, () => load(server.url, '/run', 1500, 10, tasks));
    expect(await load(server.url, '/run', 20, 2, tasks)).toEqual(Array(20).fill(200));
  }, 60_000);
});
