/** Set by `php artisan octane:start` to its own pid: the server stops, gracefully, once that process is gone. */
export const STOP_WITH_PARENT_ENV = 'EPHPM_STOP_WITH_PID';
const CHECK_EVERY_MS = 1000;

/**
 * Calls `stop` once the process EPHPM_STOP_WITH_PID names no longer exists (octane:start SIGKILLed): the server then
 * finishes what it holds and exits, as on Ctrl-C, instead of serving on with nobody to stop it. Without the variable
 * (`ephpm serve` in a shell, under systemd, behind nohup) nothing is watched.
 */
export function stopWithParent(env: NodeJS.ProcessEnv, stop: () => void): void {
  const pid = Number(env[STOP_WITH_PARENT_ENV]);
  if (!Number.isInteger(pid) || pid <= 1) return;
  const timer = setInterval(() => {
    if (processExists(pid)) return;
    clearInterval(timer);
    stop();
  }, CHECK_EVERY_MS);
  timer.unref();
}

/** Whether a process with this pid exists (one of another user's counts: EPERM). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
