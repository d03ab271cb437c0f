import kleur from 'kleur';
import { isEphpmError } from '../runtime/errors.js';
import type { MetricsSnapshot } from '../runtime/metrics/snapshot.js';
import { renderTop, topView, type TopView } from './top-view.js';

const REFRESH_MS = 1_000;
const ENTER = '\x1b[?1049h\x1b[?25l'; // alternate screen, cursor hidden
const LEAVE = '\x1b[?25h\x1b[?1049l';
const HOME = '\x1b[H';
const CLEAR_LINE = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';
const ANSI = /\x1b\[[0-9;]*m/g;

/** Two snapshots a refresh apart: the numbers of one screen, for `--once`. */
export async function sampleTop(read: () => Promise<MetricsSnapshot>): Promise<TopView> {
  const first = await read();
  await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
  return topView(await read(), first);
}

/**
 * The live screen: redrawn every second on the terminal's alternate screen until `q` or Ctrl-C, then
 * the terminal is left as it was. Resolves then; rejects (terminal restored) when the server is gone.
 */
export function liveTop(
  read: () => Promise<MetricsSnapshot>,
  stdin: NodeJS.ReadStream = process.stdin,
  stdout: NodeJS.WriteStream = process.stdout,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let previous: MetricsSnapshot | null = null;
    let lines: string[] = [kleur.dim('reading the server…')];
    let problem: string | null = null;
    let timer: NodeJS.Timeout | null = null;
    let done = false;

    const draw = () => {
      const width = stdout.columns || 120;
      const height = stdout.rows || 50;
      const shown = [...lines, '', problem ? kleur.red(problem) : kleur.dim('q quits')].slice(0, height);
      stdout.write(HOME + shown.map((line) => fit(line, width) + CLEAR_LINE).join('\r\n') + CLEAR_BELOW);
    };
    const refresh = async () => {
      try {
        const current = await read();
        lines = renderTop(topView(current, previous));
        previous = current;
        problem = null;
      } catch (error) {
        if (isEphpmError(error) && error.code === 'EPHPM_NOT_RUNNING') return finish(error);
        problem = `the server did not answer: ${(error as Error).message}`;
      }
      if (done) return;
      draw();
      timer = setTimeout(() => void refresh(), REFRESH_MS);
    };
    const onKey = (key: Buffer) => {
      const text = key.toString();
      if (text === 'q' || text === 'Q' || text === '\x03') finish(null);
    };
    const onSignal = () => finish(null);
    const finish = (error: Error | null) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      stdin.off('data', onKey);
      stdout.off('resize', draw);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('exit', restore);
      restore();
      stdin.pause();
      if (error) reject(error);
      else resolve();
    };
    const restore = () => {
      if (stdin.isTTY) stdin.setRawMode(false);
      stdout.write(LEAVE);
    };

    stdout.write(ENTER);
    process.on('exit', restore);
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on('data', onKey);
    stdin.resume();
    stdout.on('resize', draw);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    draw();
    void refresh();
  });
}

/** Cut to the terminal's width (a wrapped line would scroll the screen); colours are dropped from a cut line. */
function fit(line: string, width: number): string {
  const plain = line.replace(ANSI, '');
  return plain.length <= width ? line : plain.slice(0, width);
}
