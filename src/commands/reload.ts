import kleur from 'kleur';
import { BaseCommand } from '../cli/base-command.js';
import { reloadServer } from '../runtime/control/commands.js';
import { serverLocationFlags } from '../cli/server-flags.js';

export default class Reload extends BaseCommand {
  static override description = 'Replace the worker processes one at a time so new code is picked up, without failing a request.';

  static override examples = ['<%= config.bin %> reload', '<%= config.bin %> reload --root ./my-app'];

  static override flags = { ...serverLocationFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(Reload);
    const started = Date.now();
    const status = await reloadServer({ root: flags.root, stateFile: flags['state-file'], config: flags.config });
    const serving = status.workers.filter((w) => w.state === 'serving');
    const pids = serving.map((w) => w.pid).join(', ');
    this.log(`${kleur.green('✔')} reloaded ${serving.length} worker process${serving.length === 1 ? '' : 'es'} in ${((Date.now() - started) / 1000).toFixed(1)}s (pids ${pids})`);
  }
}
