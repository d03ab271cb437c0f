import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'chokidar';
import { ChangeBurst } from './change-burst.js';
import type { WatchScope } from './watch-scope.js';

/** How often a polling watcher looks at each file (chokidar's own default, 100 ms, costs a lot of CPU on a mounted volume). */
export const POLL_INTERVAL_MS = 250;

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
  private readonly burst: ChangeBurst;

  constructor(
    private readonly scope: WatchScope,
    private readonly options: { debounceMs: number; poll: boolean },
  ) {
    super();
    this.burst = new ChangeBurst(options.debounceMs, (files) => this.emit('changes', files));
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
      if ((event === 'add' || event === 'change' || event === 'unlink') && this.scope.isWatched(path))
        this.burst.add(this.scope.display(path));
    });
    watcher.on('error', (error) => this.emit('error', error as Error));
    const scanned = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    if (!this.options.poll) return scanned;
    // Polling compares each file with its first stat, which can be taken after 'ready', off the event loop: a change
    // made before it becomes the baseline and is never reported (the likely cause of an edit made right after start
    // going unreported once in CI). Two poll intervals let every first stat land.
    return scanned.then(() => new Promise((resolve) => setTimeout(resolve, 2 * POLL_INTERVAL_MS)));
  }

  async close(): Promise<void> {
    this.burst.cancel();
    await this.watcher?.close();
  }
}
