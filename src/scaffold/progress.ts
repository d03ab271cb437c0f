import { styleText } from 'node:util';
import * as p from '@clack/prompts';

/** Runs one long step (composer, npm) and shows it: a spinner naming it in a terminal, a line before and after elsewhere. */
export type RunStep = <T>(title: string, work: () => Promise<T>, done?: (result: T) => string) => Promise<T>;

const FRAMES = ['◒', '◐', '◓', '◑'];
let stopCurrent: (() => void) | null = null;
let interrupted = false;

export const runStep: RunStep = async (title, work, done) => {
  if (process.stdout.isTTY === true) spin(title);
  else p.log.step(`${title}…`);
  try {
    const result = await work();
    stopSpinner();
    p.log.success(done ? done(result) : title);
    return result;
  } catch (error) {
    stopSpinner();
    if (!interrupted) p.log.step(`${title}: failed`);
    throw error;
  }
};

/**
 * Clears the spinner line and shows the cursor again. (Not clack's spinner: it reads the keyboard in raw mode, so
 * Ctrl-C never becomes a SIGINT for the tool it runs and the process exits on the spot, leaving a half-made app.)
 */
export function stopSpinner(options: { interrupted?: boolean } = {}): void {
  interrupted ||= options.interrupted === true;
  stopCurrent?.();
  stopCurrent = null;
}

function spin(title: string): void {
  const out = process.stdout;
  let frame = 0;
  const draw = () =>
    out.write(
      `\r\x1b[2K${styleText('magenta', FRAMES[frame++ % FRAMES.length]!)}  ${title}${'.'.repeat(Math.floor(frame / 3) % 4)}`,
    );
  out.write('│\n\x1b[?25l');
  draw();
  const timer = setInterval(draw, 120);
  stopCurrent = () => {
    clearInterval(timer);
    out.write('\r\x1b[2K\x1b[1A\x1b[2K\x1b[?25h');
  };
}
