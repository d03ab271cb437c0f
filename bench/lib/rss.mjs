// Resident memory of benchmark processes, read from /proc (Linux).
import { readdirSync, readFileSync } from 'node:fs';

/** RSS of a process in MB, or null once it has gone. */
export function rssMb(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Every process as { pid, ppid, args }. */
function processes() {
  const list = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      list.push({ pid: Number(entry), ppid, args });
    } catch {}
  }
  return list;
}

/** The descendants of `pid` whose command line matches `pattern`, by pid. */
export function descendants(pid, pattern) {
  const all = processes();
  const found = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const proc of all.filter((candidate) => candidate.ppid === parent)) {
      queue.push(proc.pid);
      if (pattern.test(proc.args)) found.push(proc.pid);
    }
  }
  return found.sort((a, b) => a - b);
}

/**
 * A process's memory in MB from /proc/<pid>/smaps_rollup: `rss` (counts the shared node binary, libphp and a shared
 * OPcache segment in full), `pss` (shared pages divided among their sharers) and `private` (pages only this
 * process maps: what one more worker costs). null once it has gone.
 */
export function memoryMb(pid) {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN);
    return {
      rss: kb('Rss') / 1024,
      pss: kb('Pss') / 1024,
      private: (kb('Private_Clean') + kb('Private_Dirty')) / 1024,
    };
  } catch {
    return null;
  }
}
