import { spawn, type ChildProcess } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';

/** A tool (composer, npm, php) that exited with an error: its own output is what the user needs to see. */
export class ToolFailed extends Error {
  constructor(
    readonly command: string,
    readonly output: string,
  ) {
    super(`${command} failed`);
    this.name = 'ToolFailed';
  }
}

let running: ChildProcess | null = null;

/** Runs a tool to the end with its output collected (stdout and stderr as they came); rejects with ToolFailed. */
export function runTool(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<string> {
  const shown = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, COMPOSER_NO_INTERACTION: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (error) => {
      running = null;
      reject(new ToolFailed(shown, `${command} could not run: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      running = null;
      if (code === 0) resolve(output);
      else
        reject(
          new ToolFailed(
            shown,
            `${stripVTControlCharacters(output).trimEnd()}\n(${signal ? `stopped by ${signal}` : `exit code ${code}`})`,
          ),
        );
    });
  });
}

/** Stops the tool running now, if any (Ctrl-C while a step runs), and resolves once it is gone. */
export function stopRunningTool(): Promise<void> {
  const child = running;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('close', () => resolve());
    child.kill('SIGTERM');
  });
}
