import { resolveStateFile } from '../config/config.js';
import { findRunningServer, sendControlCommand, waitForExit, type ServerHandle } from './control-client.js';
import { EphpmError } from '../errors.js';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import type { ServerStatus } from '../metrics/server-status.js';

export interface ServerLocation {
  root?: string;
  stateFile?: string;
  config?: string;
}

/** The server running for this app (its state file found as serve would), or an error saying none does. */
export function runningServer(location: ServerLocation): ServerHandle {
  return findRunningServer(resolveStateFile(location));
}

export async function fetchStatus(location: ServerLocation): Promise<ServerStatus> {
  const state = runningServer(location);
  return (await sendControlCommand(state, 'status', 10_000)) as ServerStatus;
}

/** Reads the server's counters on each call (`ephpm top`); fails with EPHPM_NOT_RUNNING once it is gone. */
export function metricsSource(location: ServerLocation): () => Promise<MetricsSnapshot> {
  const stateFile = resolveStateFile(location);
  return async () => (await sendControlCommand(findRunningServer(stateFile), 'metrics', 10_000)) as MetricsSnapshot;
}

export interface ReloadResult {
  pid: number;
  seconds: number;
  /** The request workers serving once the reload finished. */
  workers: Array<{ index: number; pid: number }>;
}

/** Rolling restart; resolves when every worker runs fresh code. */
export async function reloadServer(location: ServerLocation): Promise<ReloadResult> {
  const state = runningServer(location);
  const started = Date.now();
  await sendControlCommand(state, 'reload');
  const seconds = (Date.now() - started) / 1000;
  const status = (await sendControlCommand(state, 'status', 10_000)) as ServerStatus;
  const workers = status.workers.filter((w) => w.state === 'serving').map((w) => ({ index: w.index, pid: w.pid }));
  return { pid: state.pid, seconds, workers };
}

export interface StopResult {
  pid: number;
}

/** Graceful stop; resolves once the server process has exited. */
export async function stopServer(location: ServerLocation, timeoutMs = 60_000): Promise<StopResult> {
  const state = runningServer(location);
  await sendControlCommand(state, 'stop', 10_000);
  if (!(await waitForExit(state.pid, timeoutMs))) {
    throw new EphpmError(
      'EPHPM_STOP_TIMEOUT',
      `The server (pid ${state.pid}) is still finishing requests after ${timeoutMs / 1000}s.`,
      `Wait, or end it now: kill -KILL ${state.pid}`,
    );
  }
  return { pid: state.pid };
}
