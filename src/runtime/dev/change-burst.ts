/**
 * The longest a burst may postpone its restart, from its first change (or `debounce_ms` when that is
 * longer): a file rewritten without pause (a build tool in watch mode) still restarts the workers.
 */
export const MAX_BURST_MS = 2_000;

/**
 * Collects changed files into bursts: a burst ends `debounceMs` after its last change, or
 * MAX_BURST_MS (or `debounceMs`, if longer) after its first, whichever comes first.
 */
export class ChangeBurst {
  private readonly changed = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;

  constructor(
    private readonly debounceMs: number,
    private readonly onBurst: (files: string[]) => void,
  ) {}

  add(file: string): void {
    if (this.changed.size === 0) this.startedAt = Date.now();
    this.changed.add(file);
    if (this.timer) clearTimeout(this.timer);
    const deadline = this.startedAt + Math.max(MAX_BURST_MS, this.debounceMs);
    this.timer = setTimeout(() => this.end(), Math.min(this.debounceMs, Math.max(0, deadline - Date.now())));
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.changed.clear();
  }

  private end(): void {
    this.timer = null;
    const files = [...this.changed];
    this.changed.clear();
    this.onBurst(files);
  }
}
