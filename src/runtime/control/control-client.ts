import { connect } from 'node:net';
import type { ControlCommand, ControlReply } from './control-server.js';
import { EphpmError } from '../errors.js';
import { isServerAlive, readServerState, removeServerState, type ServerState } from '../supervisor/state-file.js';

/** The live server named by a state file; stale or missing state is an error that says so. */
export function findRunningServer(stateFile: string): ServerState {
  const state = readServerState(stateFile);
  if (!state) {
    throw new EphpmError('EPHPM_NOT_RUNNING', `No ephpm server is running here (no state file at ${stateFile}).`, 'Start one with: ephpm serve   (or point at it with --root / --state-file)');
  }
  if (!isServerAlive(state)) {
    removeServerState(stateFile);
    throw new EphpmError(
      'EPHPM_NOT_RUNNING',
      `No ephpm server is running: the state file ${stateFile} named pid ${state.pid}, which is gone. The stale file was removed.`,
      'Start one with: ephpm serve',
    );
  }
  return state;
}

export function sendControlCommand(state: ServerState, command: ControlCommand, timeoutMs = 120_000, args: Record<string, string> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(state.controlSocket);
    let input = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new EphpmError('EPHPM_CONTROL_TIMEOUT', `The server (pid ${state.pid}) did not answer "${command}" within ${timeoutMs / 1000}s.`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify({ ...args, command }) + '\n'));
    socket.on('data', (chunk: string) => (input += chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const denied = error.code === 'EACCES';
      reject(new EphpmError(
        'EPHPM_CONTROL_UNREACHABLE',
        denied
          ? `Permission denied on the control socket ${state.controlSocket}: only the user who started the server (pid ${state.pid}) can control it.`
          : `Cannot reach the server (pid ${state.pid}) on its control socket ${state.controlSocket}: ${error.message}`,
        denied ? 'Run the command as the user that runs the server.' : undefined,
      ));
    });
    socket.on('end', () => {
      clearTimeout(timer);
      const reply = JSON.parse(input || '{"ok":false}') as ControlReply;
      if (reply.ok) resolve(reply.result);
      else reject(new EphpmError(reply.error?.code ?? 'EPHPM_CONTROL_FAILED', reply.error?.message ?? `"${command}" failed`, reply.error?.hint));
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
