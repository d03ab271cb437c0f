import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { initApp } from '../scaffold/init.js';

export default class Init extends BaseCommand {
  static override description =
    'Add ephpm to the Laravel app in this directory: laravel/octane and the ephpm driver, OCTANE_SERVER=ephpm, ephpm.toml. ' +
    'Only what is missing is done; a second run changes nothing.';

  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init --root ./my-app --example'];

  static override flags = {
    root: Flags.string({ description: 'The Laravel app (default: current directory)', env: 'EPHPM_ROOT' }),
    example: Flags.boolean({
      description: 'Also add a small example of Octane tables, ticks and concurrently (GET /ephpm-example)',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Init);
    process.exitCode = await initApp(flags.root ?? '.', { example: flags.example });
  }
}
