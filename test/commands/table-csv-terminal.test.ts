import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, startServer, type RunningServer } from '../helpers/ephpm-server.js';
import { call, TABLES, tableCli, tablesWorker } from '../helpers/tables.js';

// Keys and values are whatever clients wrote. `table:dump --csv` into a file or a pipe gives them byte for byte; on a
// terminal, which would act on escape sequences in them (OSC 52 writes the clipboard, OSC 0 the window title, CSI 2J
// clears the screen), it shows control characters escaped, as the table view does.

const key = 'k\x1b[2J\x1b]52;c;eA==\x07';
const name = '\x1b]0;pwned\x07';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer(['--worker', tablesWorker, '--workers', '1', '--tables', TABLES]);
  await call(server, 'users', 'set', [key, { name, votes: 1 }]);
});

afterAll(async () => {
  await server?.stop();
});

/** What the command writes to a terminal: run in a pty by util-linux `script`, its bytes as the terminal gets them. */
function onTerminal(args: string[]): Promise<{ code: number | null; bytes: string }> {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, cliPath, ...args].map(quote).join(' ');
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let bytes = '';
  child.stdout.on('data', (data: Buffer) => (bytes += data.toString('latin1')));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, bytes })));
}

describe('ephpm table:dump --csv and control characters in table data', () => {
  it('on a terminal, shows them escaped and sends the terminal none of them', async () => {
    const { code, bytes } = await onTerminal(['table:dump', 'users', '--csv', '--state-file', server.stateFile]);
    expect(code).toBe(0);
    expect(bytes).not.toMatch(/[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]/); // the pty turns \n into \r\n
    expect(bytes).toBe('key,name,votes,score\r\nk\\x1b[2J\\x1b]52;c;eA==\\x07,\\x1b]0;pwned\\x07,1,0\r\n');
  });

  it('into a pipe, stays byte for byte what the table holds', async () => {
    const piped = await tableCli(server, ['table:dump', 'users', '--csv']);
    expect(piped.code).toBe(0);
    expect(piped.output).toBe(`key,name,votes,score\n${key},${name},1,0\n`);
  });
});
