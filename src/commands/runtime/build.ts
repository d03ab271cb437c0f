import kleur from 'kleur';
import { BaseCommand } from '../../cli/base-command.js';
import { buildAddon, type AddonBuild } from '../../runtime/php/addon-build.js';

export default class RuntimeBuild extends BaseCommand {
  static override description = 'Rebuild the native addon against the installed libphp (after a PHP upgrade), offline.';

  static override examples = ['<%= config.bin %> runtime:build', '<%= config.bin %> runtime:build --json'];

  static override enableJsonFlag = true;

  async run(): Promise<AddonBuild> {
    await this.parse(RuntimeBuild);
    const build = buildAddon();
    this.log(`${kleur.green('✔')} rebuilt ${build.output} against PHP ${build.phpVersion} in ${build.seconds.toFixed(1)}s`);
    this.log(kleur.dim('  running servers keep the old build until they restart (ephpm reload)'));
    return build;
  }
}
