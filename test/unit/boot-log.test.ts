import { describe, expect, it } from 'vitest';
import { BootLog } from '../../src/runtime/php/boot-log.js';

function collect(leaveErrorToSupervisor: boolean) {
  const printed: string[] = [];
  return { printed, log: new BootLog((message) => printed.push(message), leaveErrorToSupervisor) };
}

describe('the boot log', () => {
  it('prints every line at once under ephpm serve', () => {
    const { printed, log } = collect(false);
    log.line('PHP Warning: one', false);
    log.line('PHP Fatal error: boom', false);
    expect(printed).toEqual(['PHP Warning: one', 'PHP Fatal error: boom']);
  });

  it('under ephpm dev drops the line that is the boot error, which the dev report prints once', () => {
    const { printed, log } = collect(true);
    log.line('PHP Warning: one', false);
    log.line('PHP Fatal error: boom in /app/worker.php on line 3', false);
    log.failed(
      'The worker script failed before taking its first request:\nPHP Fatal error: boom in /app/worker.php on line 3',
    );
    expect(printed).toEqual(['PHP Warning: one']);
  });

  it('under ephpm dev keeps the last line when the boot succeeds, and prints later lines at once', () => {
    const { printed, log } = collect(true);
    log.line('PHP Deprecated: old', false);
    log.booted();
    log.line('PHP Notice: later', false);
    expect(printed).toEqual(['PHP Deprecated: old', 'PHP Notice: later']);
  });

  it('under ephpm dev keeps a held line that is not the boot error', () => {
    const { printed, log } = collect(true);
    log.line('PHP Warning: unrelated', false);
    log.failed('PHP Parse error: syntax error');
    expect(printed).toEqual(['PHP Warning: unrelated']);
  });
});
