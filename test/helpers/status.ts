import type { ServerStatus } from '../../src/runtime/metrics/server-status.js';
import { runCli, type RunningServer } from './ephpm-server.js';

/** `ephpm status --json` of a running server (by its RunningServer or state file), typed as the CLI prints it. */
export async function serverStatus(server: RunningServer | string): Promise<ServerStatus> {
  const stateFile = typeof server === 'string' ? server : server.stateFile;
  const result = await runCli(['status', '--json', '--state-file', stateFile]);
  if (result.code !== 0) throw new Error(`ephpm status exited ${result.code}:\n${result.output}`);
  return JSON.parse(result.output) as ServerStatus;
}
