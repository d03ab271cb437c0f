import { connect } from 'node:net';
import { controlSocketPath, type ControlCommand, type ControlReply } from './control-server.js';
import { EphpmError } from '../errors.js';
import { processExists } from '../ipc/parent-watch.js';
import { readStateFile, removeServerState, runningServerPid, type ServerState } from './state-file.js';

/** A running server, as a command finds it: its supervisor, its control socket, and its state file when readable. */
export interface ServerHandle {
  pid: number;
  controlSocket: string;
  state: ServerState | null;
}

/**
 * The server running for a state file. The lock its supervisor holds decides, not the file: a
 * corrupt file of a running server still reaches it (over the control socket beside it), and a
 * file whose server is gone is reported, removed and never trusted, whatever process has its pid now.
 */
export function findRunningServer(stateFile: string): ServerHandle {
  const content = readStateFile(stateFile);
  const pid = runningServerPid(stateFile);
  if (pid !== 0) {
    const state = content.kind === 'ok' ? content.state : null;
    return { pid, controlSocket: state?.controlSocket ?? controlSocketPath(stateFile), state };
  }
  if (content.kind === 'missing') {
    throw new EphpmError(
      'EPHPM_NOT_RUNNING',
      `No ephpm server is running here (no state file at ${stateFile}).`,
      'Start one with: ephpm serve   (or point at it with --root / --state-file)',
    );
  }
  removeServerState(stateFile);
  const what =
    content.kind === 'corrupt'
      ? `the state file ${stateFile} was corrupt (${content.problem}) and no server holds its lock`
      : `the state file ${stateFile} named pid ${content.state.pid}, which is ${processExists(content.state.pid) ? 'not its server any more (the pid was reused)' : 'gone'}`;
  throw new EphpmError(
    'EPHPM_NOT_RUNNING',
    `No ephpm server is running: ${what}. The stale file was removed.`,
    'Start one with: ephpm serve',
  );
}

export function sendControlCommand(
  state: Pick<ServerHandle, 'pid' | 'controlSocket'>,
  command: ControlCommand,
  timeoutMs = 120_000,
  args: Record<string, string> = {},
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(state.controlSocket);
    let input = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new EphpmError(
          'EPHPM_CONTROL_TIMEOUT',
          `The server (pid ${state.pid}) did not answer "${command}" within ${timeoutMs / 1000}s.`,
        ),
      );
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify({ ...args, command }) + '\n'));
    socket.on('data', (chunk: string) => (input += chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const denied = error.code === 'EACCES';
      reject(
        new EphpmError(
          'EPHPM_CONTROL_UNREACHABLE',
          denied
            ? `Permission denied on the control socket ${state.controlSocket}: only the user who started the server (pid ${state.pid}) can control it.`
            : `Cannot reach the server (pid ${state.pid}) on its control socket ${state.controlSocket}: ${error.message}`,
          denied ? 'Run the command as the user that runs the server.' : undefined,
        ),
      );
    });
    socket.on('end', () => {
      clearTimeout(timer);
      const reply = JSON.parse(input || '{"ok":false}') as ControlReply;
      if (reply.ok) resolve(reply.result);
      else
        reject(
          new EphpmError(
            reply.error?.code ?? 'EPHPM_CONTROL_FAILED',
            reply.error?.message ?? `"${command}" failed`,
            reply.error?.hint,
          ),
        );
    });
  });
}

/** Resolves once the process is gone (polls; bounded by timeoutMs). */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
