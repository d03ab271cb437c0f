import kleur from 'kleur';
import { BaseCommand } from '../cli/base-command.js';
import { serverLocation, serverLocationFlags } from '../cli/server-flags.js';
import { reloadServer, type ReloadResult } from '../runtime/control/commands.js';

export default class Reload extends BaseCommand {
  static override description =
    'Replace the worker processes one at a time so new code is picked up, without failing a request.';

  static override examples = [
    '<%= config.bin %> reload',
    '<%= config.bin %> reload --root ./my-app',
    '<%= config.bin %> reload --json',
  ];

  static override enableJsonFlag = true;

  static override flags = { ...serverLocationFlags };

  async run(): Promise<ReloadResult> {
    const { flags } = await this.parse(Reload);
    const result = await reloadServer(serverLocation(flags));
    const count = result.workers.length;
    this.log(
      `${kleur.green('✔')} reloaded ${count} worker process${count === 1 ? '' : 'es'} in ${result.seconds.toFixed(1)}s (pids ${result.workers.map((w) => w.pid).join(', ')})`,
    );
    return result;
  }
}
