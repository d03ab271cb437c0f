import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { dev } from '../runtime/dev/dev.js';
import { serveFlags, serveOptions } from '../cli/server-flags.js';

export default class Dev extends BaseCommand {
  static override description =
    'Serve the app like `ephpm serve`, and restart the PHP workers gracefully whenever its code changes. For development.';

  static override examples = [
    '<%= config.bin %> dev --worker worker.php',
    '<%= config.bin %> dev --root ./my-app --workers 1',
    '<%= config.bin %> dev --poll    # Docker bind mounts, WSL, network drives',
  ];

  static override flags = {
    ...serveFlags,
    poll: Flags.boolean({
      description: 'Watch by polling instead of file system events (Docker, WSL, network drives)',
      allowNo: true,
      env: 'EPHPM_DEV_POLL',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Dev);
    this.exit(await dev({ ...serveOptions(flags), poll: flags.poll }));
  }
}
