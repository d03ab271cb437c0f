import kleur from 'kleur';
import { BaseCommand } from '../cli/base-command.js';
import { stopServer } from '../runtime/control/commands.js';
import { serverLocationFlags } from '../cli/server-flags.js';

export default class Stop extends BaseCommand {
  static override description = 'Stop the running server gracefully: requests in flight finish first.';

  static override examples = ['<%= config.bin %> stop', '<%= config.bin %> stop --root ./my-app'];

  static override flags = { ...serverLocationFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(Stop);
    const { pid } = await stopServer({ root: flags.root, stateFile: flags['state-file'], config: flags.config });
    this.log(`${kleur.green('✔')} stopped the server (pid ${pid})`);
  }
}
