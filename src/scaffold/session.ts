import { readdirSync, rmSync } from 'node:fs';
import * as p from '@clack/prompts';
import { isEphpmError } from '../runtime/errors.js';
import { runStep, stopSpinner, type RunStep } from './progress.js';
import { ToolFailed, stopRunningTool } from './tools.js';

/** A prompt the user cancelled (Ctrl-C or Esc): nothing was created yet. */
export class Cancelled extends Error {}

/**
 * One run of the scaffolder (or `ephpm init`): its steps, and what happens when one fails or Ctrl-C arrives — a
 * half-created new app is removed; an existing app keeps what was done and is told so.
 */
export class Session {
  readonly run: RunStep = runStep;
  private created: { dir: string; existed: boolean } | null = null;
  private changing = false;
  private interrupting = false;
  private readonly onSigint = () => void this.interrupt();

  /** Ctrl-C at a prompt is a key the prompt reads (a cancel); anywhere else it is a SIGINT, handled here. */
  constructor() {
    process.on('SIGINT', this.onSigint);
  }

  /** From here on, a failure removes `dir` (or empties it, when it was an empty directory before). */
  creating(dir: string, existed: boolean): void {
    this.created = { dir, existed };
  }

  /** Steps on an existing app: Ctrl-C stops the running tool and says the app keeps what was done. */
  changingExisting(): void {
    this.changing = true;
  }

  finished(): void {
    this.created = null;
    this.changing = false;
    process.off('SIGINT', this.onSigint);
  }

  /** Reports a failure the user can act on and returns the exit code; anything else is a bug and is rethrown. */
  fail(error: unknown): number {
    // Ctrl-C reached the tool too, which failed: the interrupt, still stopping it, reports and exits.
    if (this.interrupting) return 130;
    process.off('SIGINT', this.onSigint);
    if (error instanceof Cancelled) {
      p.cancel('Cancelled: nothing was created.');
      return 0;
    }
    const outcome = this.undo();
    if (error instanceof ToolFailed) {
      p.log.error(`${error.command} failed:\n${error.output.trimEnd()}`);
      p.cancel(outcome ?? 'Stopped.');
      return 1;
    }
    if (isEphpmError(error)) {
      p.cancel([error.message, error.hint ? `try: ${error.hint}` : null, outcome].filter(Boolean).join('\n'));
      return 1;
    }
    throw error;
  }

  private async interrupt(): Promise<void> {
    if (this.interrupting) return;
    this.interrupting = true;
    stopSpinner({ interrupted: true });
    await stopRunningTool();
    p.cancel(`Interrupted. ${this.undo() ?? 'Nothing was created.'}`);
    process.exit(130);
  }

  /** Removes a half-created app; says what became of the app, or null when this run had not touched one. */
  private undo(): string | null {
    if (this.changing) return 'The app keeps what was done before this step; run this again to finish.';
    if (!this.created) return null;
    const { dir, existed } = this.created;
    this.created = null;
    if (!existed) {
      rmSync(dir, { recursive: true, force: true });
      return `Removed ${dir}.`;
    }
    for (const entry of readdirSync(dir)) rmSync(`${dir}/${entry}`, { recursive: true, force: true });
    return `Emptied ${dir} again.`;
  }
}
