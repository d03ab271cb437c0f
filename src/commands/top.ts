import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { serverLocation, serverLocationFlags } from '../cli/server-flags.js';
import { liveTop, sampleTop } from '../cli/top-screen.js';
import { renderTop, type TopView } from '../cli/top-view.js';
import { metricsSource } from '../runtime/control/commands.js';
import { EphpmError } from '../runtime/errors.js';

export default class Top extends BaseCommand {
  static override description =
    'Watch the running server live: requests per second, p50/p99 latency, errors, and each worker process, refreshed every second (q quits).';

  static override examples = [
    '<%= config.bin %> top',
    '<%= config.bin %> top --once',
    '<%= config.bin %> top --once --json   # one sample for scripts',
  ];

  static override enableJsonFlag = true;

  static override flags = {
    ...serverLocationFlags,
    once: Flags.boolean({ description: 'Print one screen (rates over one second) and exit; with --json, as JSON' }),
  };

  async run(): Promise<TopView | void> {
    const { flags } = await this.parse(Top);
    const read = metricsSource(serverLocation(flags));
    if (flags.once || this.jsonEnabled()) {
      const view = await sampleTop(read);
      this.log(renderTop(view).join('\n'));
      return view;
    }
    if (!process.stdout.isTTY || !process.stdin.isTTY) {
      throw new EphpmError(
        'EPHPM_NOT_A_TERMINAL',
        'ephpm top draws a live screen and needs a terminal.',
        'For scripts: ephpm top --once --json',
      );
    }
    await liveTop(read);
  }
}
