/**
 * The requests handed to PHP and not answered yet, by id (ids only grow, so
 * iteration is oldest first).
 *
 * Deliberately not a Map. A Map under constant insert/delete churn keeps
 * rehashing into fresh tables, and each obsolete table links to its successor.
 * As soon as one obsolete table has been promoted to the old generation, that
 * chain keeps every later request object reachable until the next full GC, so
 * every scavenge copies and promotes all of them. Measured on one worker under
 * wrk: scavenges of 4–5 ms promoting ~2.4 MB each with a Map, 0.4 ms and
 * nothing promoted with this object (see docs/ARCHITECTURE.md).
 */
export class InFlight<T> {
  // Integer keys: dictionary-mode elements, enumerated in ascending order.
  private entries: Record<number, T> = Object.create(null) as Record<number, T>;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): T | undefined {
    return this.entries[id];
  }

  add(id: number, value: T): void {
    if (this.entries[id] === undefined) this.count++;
    this.entries[id] = value;
  }

  /** Removes and returns the entry, if there was one. */
  take(id: number): T | undefined {
    const value = this.entries[id];
    if (value === undefined) return undefined;
    delete this.entries[id];
    this.count--;
    return value;
  }

  /** A snapshot, oldest first: safe to modify the set while looping over it. */
  list(): Array<[number, T]> {
    const list: Array<[number, T]> = [];
    for (const key in this.entries) list.push([Number(key), this.entries[key as unknown as number]!]);
    return list;
  }
}
