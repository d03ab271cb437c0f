// Node's young generation grows to two 16 MB semi-spaces under load: ~24 MB of private memory in every worker
// process, for JavaScript that keeps little past its request. Capped at 4 MB each, the same Laravel load runs at the
// same req/s and p99 (bench/README.md, "Memory per worker"). A --max-semi-space-size of the user's own, in
// NODE_OPTIONS or node's own flags, wins.
export const WORKER_SEMI_SPACE_MB = 4;

const SEMI_SPACE_FLAG = /^--max[-_]semi[-_]space[-_]size(=|$)/;

/** The node flags a worker process starts with: the supervisor's own, plus the young generation's cap unless set. */
export function workerExecArgv(execArgv: readonly string[], nodeOptions = ''): string[] {
  const named = [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) => SEMI_SPACE_FLAG.test(arg));
  return named ? [...execArgv] : [...execArgv, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
}
