import { Flags } from '@oclif/core';
import kleur from 'kleur';
import { BaseCommand } from '../cli/base-command.js';
import type { CheckStatus } from '../cli/doctor-check.js';
import { runDoctor, type DoctorReport } from '../cli/doctor.js';

const MARK: Record<CheckStatus, string> = {
  ok: kleur.green('✔'),
  warn: kleur.yellow('!'),
  fail: kleur.red('✖'),
  skip: kleur.dim('–'),
};

export default class Doctor extends BaseCommand {
  static override description =
    'Check that this machine and app can run ephpm; every problem comes with the command that fixes it.';

  static override examples = [
    '<%= config.bin %> doctor',
    '<%= config.bin %> doctor --json',
    '<%= config.bin %> doctor --root ./my-app --port 8080',
  ];

  static override enableJsonFlag = true;

  static override flags = {
    root: Flags.string({ description: 'App directory to check (default: current directory)', env: 'EPHPM_ROOT' }),
    config: Flags.string({ description: 'Path to ephpm.toml', env: 'EPHPM_CONFIG' }),
    host: Flags.string({ description: 'Address the server would listen on', env: 'EPHPM_HOST' }),
    port: Flags.integer({ description: 'Port the server would listen on', env: 'EPHPM_PORT', min: 1, max: 65535 }),
  };

  async run(): Promise<DoctorReport> {
    const { flags } = await this.parse(Doctor);
    const report = await runDoctor({ root: flags.root, config: flags.config, host: flags.host, port: flags.port });
    for (const check of report.checks) {
      this.log(`${MARK[check.status]} ${check.name.padEnd(38)} ${kleur.dim(check.detail)}`);
      if (check.fix && (check.status === 'fail' || check.status === 'warn'))
        this.log(`  ${kleur.cyan('fix:')} ${check.fix}`);
    }
    this.log(report.ok ? kleur.green('\nAll good.') : kleur.red('\nSomething needs fixing (see above).'));
    if (!report.ok) process.exitCode = 1;
    return report;
  }
}
