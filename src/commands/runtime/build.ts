import { Flags } from '@oclif/core';
import kleur from 'kleur';
import { BaseCommand } from '../../cli/base-command.js';
import {
  buildAddon,
  describeLibphp,
  planAddonBuild,
  type AddonBuild,
  type AddonBuildPlan,
} from '../../runtime/toolchain/addon-build.js';

export default class RuntimeBuild extends BaseCommand {
  static override description =
    'Rebuild the native addon against the installed libphp (after a PHP upgrade), offline. The PHP is found through php-config: ' +
    '$EPHPM_PHP_CONFIG, else php-config on PATH, else php-config8.x, newest first.';

  static override examples = [
    '<%= config.bin %> runtime:build',
    'EPHPM_PHP_CONFIG=/opt/php-8.3/bin/php-config <%= config.bin %> runtime:build',
    '<%= config.bin %> runtime:build --print',
  ];

  static override enableJsonFlag = true;

  static override flags = {
    print: Flags.boolean({ description: 'Print the PHP found and the compiler command, without compiling' }),
  };

  async run(): Promise<AddonBuild | AddonBuildPlan> {
    const { flags } = await this.parse(RuntimeBuild);
    const plan = planAddonBuild();
    if (flags.print) {
      this.log(`PHP ${plan.php.version} from ${plan.php.phpConfig}, library ${plan.php.library}`);
      for (const args of [...plan.compiles, plan.link, plan.proxy]) this.log([plan.compiler, ...args].join(' '));
      return plan;
    }
    const build = await buildAddon(plan);
    this.log(
      `${kleur.green('✔')} rebuilt ${build.output} against PHP ${build.phpVersion} (${build.library}) in ${build.seconds.toFixed(1)}s; ${describeLibphp(build)}`,
    );
    this.log(kleur.dim('  running servers keep the old build until they restart (ephpm reload)'));
    return build;
  }
}
