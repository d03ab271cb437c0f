import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { getJson, repoRoot, tempDir } from '../helpers/ephpm-server.js';
import { freePort } from '../helpers/octane-server.js';
import { serveWithNpx } from '../helpers/scaffold.js';
import { Terminal } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait-for.js';

// create-ephpm-laravel in a real terminal (tmux): the questions, answered with the keys a user presses, and Ctrl-C at a
// prompt and during a step. This checkout's scaffolder: the app links to it, so no addon build.

const skip = octaneUnavailableReason();

interface Example {
  visits: number;
  ticks: number;
  request_pid: number;
  tasks: Array<{ pid: number }>;
}

describe.skipIf(skip)(`create-ephpm-laravel in a terminal${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  let terminal: Terminal | null = null;

  afterEach(() => terminal?.close());

  /** Runs the scaffolder in `cwd` in a terminal; the shell prints "[exit N]" when it ends. */
  function scaffolder(cwd: string, args = ''): Terminal {
    terminal = new Terminal(
      `bash -c 'cd ${cwd} && node ${join(repoRoot, 'bin', 'create-ephpm-laravel.js')} ${args}; echo "[exit $?]"; sleep 3600'`,
    );
    return terminal;
  }

  const shows = (text: string | RegExp, timeoutMs = 60_000) =>
    waitFor(
      () => (typeof text === 'string' ? terminal!.screen().includes(text) : text.test(terminal!.screen())),
      `the screen to show ${text}`,
      timeoutMs,
    );

  /** Starts the scaffolder with no arguments and names the app's directory at its first question. */
  async function answerDirectory(cwd: string, name: string): Promise<Terminal> {
    const term = scaffolder(cwd);
    await shows('Where should the app go?');
    term.press(name);
    term.press('Enter');
    await shows(/Laravel version \(what installs with laravel\/octane on PHP 8\.2\.\d+\)/, 120_000);
    return term;
  }

  it('asks where, which Laravel, which database and whether to add the example, then makes what was answered', async () => {
    const cwd = tempDir('ephpm-interactive-');
    const term = await answerDirectory(cwd, 'shop');
    // Both offered, Laravel 11 (installs as it is) chosen by default; Laravel 12 can be chosen too (not disabled).
    await shows(
      /○ Laravel 12 without laravel\/pint, which needs PHP 8\.3\+\n.*● Laravel 11 \(installs as it is: laravel\/framework v11\.\d+\.\d+, laravel\/octane v2\.13\.\d+\)/,
    );
    term.press('Up');
    await shows(
      /● Laravel 12 without laravel\/pint, which needs PHP 8\.3\+ \(laravel\/framework v12\.\d+\.\d+, laravel\/octane v2\.13\.\d+\)/,
    );
    term.press('Down');
    await shows(/● Laravel 11 \(installs as it is/);
    term.press('Enter');
    await shows('Database');
    expect(term.screen()).toMatch(/SQLite.*\n.*MySQL/);
    term.press('Enter');
    await shows('Add a small example of Octane tables, ticks and concurrently');
    term.press('y');
    await shows('[exit 0]', 300_000);
    expect(term.screen()).toMatch(/1\. cd shop/);
    expect(term.screen()).toMatch(/shop is ready: Laravel 11 on ephpm/);

    const app = join(cwd, 'shop');
    expect(readFileSync(join(app, '.env'), 'utf8')).toMatch(/^DB_CONNECTION=sqlite$/m);
    expect(readFileSync(join(app, 'bootstrap', 'providers.php'), 'utf8')).toContain(
      'App\\Providers\\EphpmExampleServiceProvider::class',
    );
    expect(readFileSync(join(app, 'ephpm.toml'), 'utf8')).toMatch(
      /^task_workers = 2\ntick = true\n\n\[tables\]\n"example:1000"/m,
    );

    // The example: a shared table, task workers, the tick worker.
    const port = await freePort();
    const server = await serveWithNpx(app, port);
    try {
      const first = await getJson<Example>(`http://127.0.0.1:${port}/ephpm-example`);
      const second = await getJson<Example>(`http://127.0.0.1:${port}/ephpm-example`);
      expect([first.visits, second.visits]).toEqual([1, 2]);
      expect(first.tasks).toHaveLength(2);
      expect(first.tasks.map((task) => task.pid)).not.toContain(first.request_pid);
      await waitFor(
        async () => (await getJson<Example>(`http://127.0.0.1:${port}/ephpm-example`)).ticks > 0,
        'a tick counted by the tick worker',
        30_000,
      );
    } finally {
      await server.ctrlC();
    }
  }, 600_000);

  it('Ctrl-C at a prompt cancels: exit code 0, nothing created', async () => {
    const cwd = tempDir('ephpm-interactive-');
    const term = await answerDirectory(cwd, 'never-made');
    term.press('Enter');
    await shows('Database');
    term.press('C-c');
    await shows('[exit 0]');
    expect(term.screen()).toContain('Cancelled: nothing was created.');
    expect(existsSync(join(cwd, 'never-made'))).toBe(false);
  }, 180_000);

  it('Ctrl-C during a step removes the half-made app: exit code 130', async () => {
    const cwd = tempDir('ephpm-interactive-');
    const term = scaffolder(cwd, 'half-made --laravel 11 --database sqlite --no-example');
    await shows(/composer create-project laravel\/laravel:\^11\.0 half-made/, 120_000);
    term.press('C-c');
    await shows('[exit 130]', 120_000);
    expect(term.screen()).toContain(`Interrupted. Removed ${join(cwd, 'half-made')}.`);
    expect(existsSync(join(cwd, 'half-made'))).toBe(false);
  }, 300_000);
});
