import * as p from '@clack/prompts';

/** Runs one long step (composer, npm) and shows it: a spinner naming it in a terminal, a line before and after elsewhere. */
export type RunStep = <T>(title: string, work: () => Promise<T>, done?: (result: T) => string) => Promise<T>;

/** `onInterrupt`: what Ctrl-C does while a spinner runs (the spinner catches SIGINT to draw its cancel state). */
export function stepRunner(onInterrupt: () => void): RunStep {
  const terminal = process.stdout.isTTY === true;
  return async (title, work, done) => {
    if (!terminal) {
      p.log.step(`${title}…`);
      const result = await work();
      p.log.success(done ? done(result) : title);
      return result;
    }
    const spinner = p.spinner({ onCancel: onInterrupt, cancelMessage: `${title}: interrupted` });
    spinner.start(title);
    try {
      const result = await work();
      spinner.stop(done ? done(result) : title);
      return result;
    } catch (error) {
      spinner.error(`${title}: failed`);
      throw error;
    }
  };
}
