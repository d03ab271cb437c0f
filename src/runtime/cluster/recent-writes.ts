/** How long a row stays known after its last write, while Redis answers (twice this at most). */
const GENERATION_MS = 10_000;

/**
 * The stamp of the newest write this node knows of each row written lately (its own, or another node's from the
 * stream): when Redis loses the cluster's data, the node that knew a row's newest write is the one whose row is
 * kept. Two generations, the older dropped while Redis answers, so only rows written lately are held.
 */
export class RecentWrites {
  private current = new Map<string, string>();
  private previous = new Map<string, string>();
  private rotatedAt = Date.now();

  note(row: string, stamp: string): void {
    const known = this.current.get(row);
    if (known === undefined || stamp > known) this.current.set(row, stamp);
  }

  /** The newest stamp known for the row, '' when it was not written lately. */
  get(row: string): string {
    const current = this.current.get(row) ?? '';
    const previous = this.previous.get(row) ?? '';
    return current > previous ? current : previous;
  }

  /** Called while this node follows its Redis without trouble: writes older than a generation are forgotten. */
  rotate(now = Date.now()): void {
    if (now - this.rotatedAt < GENERATION_MS) return;
    this.previous = this.current;
    this.current = new Map();
    this.rotatedAt = now;
  }
}
