import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'chokidar';
import type { WatchScope } from './watch-scope.js';

/** How often a polling watcher looks at each file (chokidar's own default, 100 ms, costs a lot of CPU on a mounted volume). */
export const POLL_INTERVAL_MS = 250;

/**
 * The longest a burst may postpone its restart, from its first change (or `debounce_ms` when that is
 * longer): a file rewritten without pause (a build tool in watch mode) still restarts the workers.
 */
export const MAX_BURST_MS = 2_000;

export interface DevWatcherEvents {
  /** A burst of changes is over: the files (as displayed) that were added, changed or removed in it. */
  changes: [files: string[]];
  error: [error: Error];
}

/**
 * Watches the app's files and reports each burst of changes once: after `debounceMs` without
 * another, or MAX_BURST_MS after its first change, whichever comes first.
 */
export class DevWatcher extends EventEmitter<DevWatcherEvents> {
  private watcher: FSWatcher | null = null;
  private readonly changed = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private burstStarted = 0;

  constructor(
    private readonly scope: WatchScope,
    private readonly options: { debounceMs: number; poll: boolean },
  ) {
    super();
  }

  /** Resolves once the initial scan is done: from then on every change is seen. */
  start(): Promise<void> {
    const watcher = watch(this.scope.roots(), {
      ignoreInitial: true,
      ignored: (path, stats) => this.scope.isPruned(path, stats),
      usePolling: this.options.poll,
      interval: POLL_INTERVAL_MS,
      binaryInterval: POLL_INTERVAL_MS,
    });
    this.watcher = watcher;
    watcher.on('all', (event, path) => {
      if ((event === 'add' || event === 'change' || event === 'unlink') && this.scope.isWatched(path)) this.note(path);
    });
    watcher.on('error', (error) => this.emit('error', error as Error));
    return new Promise((resolve) => watcher.once('ready', resolve));
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.watcher?.close();
  }

  private note(path: string): void {
    if (this.changed.size === 0) this.burstStarted = Date.now();
    this.changed.add(this.scope.display(path));
    if (this.timer) clearTimeout(this.timer);
    const deadline = this.burstStarted + Math.max(MAX_BURST_MS, this.options.debounceMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      const files = [...this.changed];
      this.changed.clear();
      this.emit('changes', files);
    }, Math.min(this.options.debounceMs, Math.max(0, deadline - Date.now())));
  }
}
