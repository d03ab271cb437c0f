/** Counters as they cross the IPC channel: numbers, arrays of numbers, and objects of those. */
type Counts = number | number[] | { [key: string]: Counts };

/** `a + b`, entry by entry (both of the same shape; what `b` lacks counts as 0). */
export function addCounts<T>(a: T, b: T | undefined): T {
  if (b === undefined) return a;
  if (typeof a === 'number') return (a + (b as number)) as T;
  if (Array.isArray(a)) return a.map((value: number, i) => value + ((b as number[])[i] ?? 0)) as T;
  const sum: Record<string, Counts> = {};
  for (const [key, value] of Object.entries(a as Record<string, Counts>))
    sum[key] = addCounts(value, (b as Record<string, Counts>)[key]);
  return sum as T;
}

/**
 * Server-wide totals of per-process counters that must never go down, although processes come and go:
 * a process that exits leaves its last reported counters here. (What it counted after the last report is
 * lost when it crashes; a process that drains reports once more before it exits.)
 */
export class CounterLedger<T> {
  private retired: T;

  constructor(empty: () => T) {
    this.retired = empty();
  }

  retire(last: T | null | undefined): void {
    if (last) this.retired = addCounts(this.retired, last);
  }

  /** Every process that ever ran: the gone ones plus `live`, each live process's latest report. */
  total(live: Array<T | null | undefined>): T {
    return live.reduce<T>((sum, counters) => (counters ? addCounts(sum, counters) : sum), this.retired);
  }
}
