import { BaseCommand } from '../cli/base-command.js';
import { serve } from '../runtime/supervisor/serve.js';
import { serveFlags, serveOptions } from '../cli/server-flags.js';

export default class Serve extends BaseCommand {
  static override description = 'Serve a PHP app from worker processes that embed PHP in-process.';

  static override examples = [
    '<%= config.bin %> serve --worker worker.php',
    '<%= config.bin %> serve --worker worker.php --root ./my-app --port 8080 --workers 4',
    'EPHPM_PORT=9000 <%= config.bin %> serve --worker worker.php --log-format json',
  ];

  static override flags = { ...serveFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    this.exit(await serve(serveOptions(flags)));
  }
}
