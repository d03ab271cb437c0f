import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

/**
 * A real terminal: a tmux server of our own (its own socket, so nothing else's sessions are touched)
 * running one command in a window of a fixed size.
 */
export class Terminal {
  private readonly socket = `ephpm-test-${randomUUID()}`;

  constructor(command: string, size = { columns: 140, rows: 40 }) {
    this.tmux('new-session', '-d', '-s', 'main', '-x', String(size.columns), '-y', String(size.rows), command);
  }

  /** What the screen shows now, one string per line. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'main');
  }

  /** true while the program shows its alternate screen (as full-screen programs do). */
  alternateScreen(): boolean {
    return this.tmux('display-message', '-p', '-t', 'main', '#{alternate_on}').trim() === '1';
  }

  press(key: string): void {
    this.tmux('send-keys', '-t', 'main', key);
  }

  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }

  private tmux(...args: string[]): string {
    const result = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
    if (result.error) throw new Error(`tmux is not installed (scripts/setup.sh installs it): ${result.error.message}`);
    if (result.status !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr}`);
    return result.stdout;
  }
}
