// CPU time from /proc (Linux): per thread of a process, and for the whole machine, to say where a request's CPU
// goes when the req/s alone cannot (the machine is shared, the load generator runs on it too).
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const US_PER_TICK = 10_000; // USER_HZ = 100 on Linux

function ticksOf(statLine) {
  const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

/** CPU µs used so far by each process's main thread and by its other threads together. */
export function threadCpuUs(pids) {
  let main = 0;
  let others = 0;
  for (const pid of pids) {
    let tids;
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const ticks = ticksOf(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
        if (tid === String(pid)) main += ticks * US_PER_TICK;
        else others += ticks * US_PER_TICK;
      } catch {}
    }
  }
  return { main, others };
}

/** Busy and total CPU µs of the whole machine so far (all CPUs). */
export function machineCpuUs() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = fields[3] + fields[4];
  return { busy: (total - idle) * US_PER_TICK, total: total * US_PER_TICK };
}

/**
 * Waits until the machine is nearly idle (under a quarter of one CPU busy over 250 ms), at most `maxMs`; resolves
 * with the ms waited. A server still working off the previous round's queue (php-node's requests take seconds)
 * would otherwise take CPU from the next one measured.
 */
export async function settle(maxMs = 30_000) {
  const started = Date.now();
  const cpus = availableParallelism();
  let last = machineCpuUs();
  while (Date.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = machineCpuUs();
    const busyShare = (now.busy - last.busy) / Math.max(1, now.total - last.total);
    last = now;
    if (busyShare * cpus < 0.25) break;
  }
  return Date.now() - started;
}
