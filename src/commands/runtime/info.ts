import kleur from 'kleur';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { formatBytes } from '../../cli/format.js';
import { collectRuntimeInfo, type RuntimeInfo } from '../../runtime/toolchain/runtime-info.js';

export default class RuntimeInfoCommand extends BaseCommand {
  static override description =
    'Show the PHP that ephpm embeds: version, SAPI, ini files, extensions, OPcache, stack size.';

  static override examples = ['<%= config.bin %> runtime:info', '<%= config.bin %> runtime:info --json'];

  static override enableJsonFlag = true;

  static override flags = {
    root: Flags.string({ description: 'App directory whose ephpm.toml [php] settings apply', env: 'EPHPM_ROOT' }),
    config: Flags.string({ description: 'Path to ephpm.toml', env: 'EPHPM_CONFIG' }),
  };

  async run(): Promise<RuntimeInfo> {
    const { flags } = await this.parse(RuntimeInfoCommand);
    const info = await collectRuntimeInfo({ root: flags.root, config: flags.config });
    const row = (label: string, value: string) => this.log(`${kleur.dim(label.padEnd(18))}${value}`);
    row('PHP', `${info.phpVersion} (SAPI "${info.sapi}", embedded)`);
    row('libphp', info.addon.libphp ?? 'unknown');
    row('addon', `${info.addon.path} (built against PHP ${info.addon.phpVersion})`);
    row('ini file', info.iniFile ?? 'none');
    row('ini scanned', `${info.iniScannedFiles.length} files`);
    row(
      'OPcache',
      info.opcache.enabled
        ? kleur.green('enabled')
        : kleur.red(info.opcache.loaded ? 'loaded, not enabled' : 'not loaded'),
    );
    row('memory_limit', info.memoryLimit);
    row('thread stack', formatBytes(info.stackBytes));
    row('extensions', info.extensions.join(', '));
    for (const warning of info.warnings) this.warn(warning);
    return info;
  }
}
