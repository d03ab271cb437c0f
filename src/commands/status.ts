import kleur from 'kleur';
import { BaseCommand } from '../cli/base-command.js';
import { formatBytes, formatDuration, formatTable } from '../cli/format.js';
import { fetchStatus } from '../runtime/control/commands.js';
import type { ServerStatus } from '../runtime/metrics/server-status.js';
import { serverLocation, serverLocationFlags } from '../cli/server-flags.js';
import { clusterLine } from '../cli/cluster-view.js';

export default class Status extends BaseCommand {
  static override description =
    'Show the running server and each worker process: pid, state, requests, open connections, memory, uptime, restarts.';

  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --json',
    '<%= config.bin %> status --root ./my-app',
  ];

  static override enableJsonFlag = true;

  static override flags = { ...serverLocationFlags };

  async run(): Promise<ServerStatus> {
    const { flags } = await this.parse(Status);
    const status = await fetchStatus(serverLocation(flags));
    this.log(
      `${kleur.green('●')} ${kleur.bold(status.url)}  pid ${status.pid}  up ${formatDuration(status.uptimeSeconds)}  ${status.totalRequests.toLocaleString('en')} requests`,
    );
    this.log('');
    this.log(
      formatTable(
        ['WORKER', 'PID', 'STATE', 'REQUESTS', 'IN FLIGHT', 'CONNECTIONS', 'RSS', 'UPTIME', 'RESTARTS'],
        status.workers.map((w) => [
          `#${w.index}`,
          String(w.pid),
          w.state,
          w.requests.toLocaleString('en'),
          String(w.inFlight),
          String(w.connections),
          formatBytes(w.rssBytes),
          formatDuration(w.uptimeSeconds),
          String(w.restarts),
        ]),
      ),
    );
    if (status.taskWorkers.length > 0) {
      this.log('');
      this.log(
        formatTable(
          ['TASK WORKER', 'PID', 'STATE', 'DONE', 'WAITING', 'RSS', 'UPTIME', 'RESTARTS'],
          status.taskWorkers.map((w) => [
            w.role === 'tick' ? 'tick' : `task #${w.index}`,
            String(w.pid),
            w.state,
            w.role === 'tick'
              ? `${w.done.toLocaleString('en')} ticks, ${w.missedTicks} missed`
              : `${w.done.toLocaleString('en')} tasks`,
            w.role === 'tick' ? '-' : String(w.waiting),
            formatBytes(w.rssBytes),
            formatDuration(w.uptimeSeconds),
            String(w.restarts),
          ]),
        ),
      );
    }
    if (status.cluster) {
      this.log('');
      this.log(clusterLine(status.cluster));
    }
    return status;
  }
}
