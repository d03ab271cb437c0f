import kleur from 'kleur';
import { BaseCommand } from '../cli/base-command.js';
import { serverLocation, serverLocationFlags } from '../cli/server-flags.js';
import { stopServer, type StopResult } from '../runtime/control/commands.js';

export default class Stop extends BaseCommand {
  static override description = 'Stop the running server gracefully: requests in flight finish first.';

  static override examples = [
    '<%= config.bin %> stop',
    '<%= config.bin %> stop --root ./my-app',
    '<%= config.bin %> stop --json',
  ];

  static override enableJsonFlag = true;

  static override flags = { ...serverLocationFlags };

  async run(): Promise<StopResult> {
    const { flags } = await this.parse(Stop);
    const result = await stopServer(serverLocation(flags));
    this.log(`${kleur.green('✔')} stopped the server (pid ${result.pid})`);
    return result;
  }
}
